"""One customer's privacy page: the GDPR export (JSON and a readable HTML summary) and erasure."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.customers.models import CustomerStatus, PrivacyRequest, PrivacyRequestState
from stammkunde.customers.privacy.erasure import erasure_check, request_erasure
from stammkunde.customers.privacy.export import export_customer_data
from stammkunde.customers.privacy.requests import PrivacyError
from stammkunde.customers.privacy.restriction import (
    RestrictionRefused,
    lift_restriction,
    restrict_processing,
)
from stammkunde.customers.queries import customer_for_staff
from stammkunde.ui.privacy.wording import describe_duty, describe_obstacle

EXPORT_PERMISSION = "customers.export_customer_data"
# The summary has its own sections for these apps; others (cases, messages) are shown as data.
SHOWN_APPS = {"customers", "shop", "timeline", "analytics", "audit", "connectors"}
ERASE_PERMISSION = "customers.erase_customer"


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def customer_privacy(request: HttpRequest, pk: int) -> HttpResponse:
    """What an export holds and what an erasure would do now (obstacles, retention duties)."""
    customer = customer_for_staff(pk, by=request.user, detail="privacy")
    if customer is None:
        raise Http404("no such customer")
    check = erasure_check(customer.pk)
    context = {
        "customer": customer,
        "obstacles": [describe_obstacle(obstacle) for obstacle in check.obstacles],
        "duties": [describe_duty(duty) for duty in check.duties],
        "requests": PrivacyRequest.objects.filter(customer_id=customer.pk)[:50],
        "can_erase": request.user.has_perm(ERASE_PERMISSION)
        and customer.status != CustomerStatus.MERGED,
        "can_restrict": request.user.has_perm(ERASE_PERMISSION)
        and customer.status == CustomerStatus.ACTIVE,
    }
    return render(request, "ui/privacy/customer.html", context)


def _export(request: HttpRequest, pk: int) -> dict:
    try:
        return export_customer_data(pk, by=request.user)
    except PrivacyError as error:
        raise Http404(str(error)) from error


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def customer_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the customer as one JSON file (Art. 15/20 GDPR)."""
    export = _export(request, pk)
    response = HttpResponse(
        json.dumps(export, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="customer-{export["customer_id"]}-gdpr-export.json"'
    )
    return response


@login_required
@permission_required(EXPORT_PERMISSION, raise_exception=True)
def customer_export_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The same export as a readable, printable HTML document for the customer."""
    export = _export(request, pk)
    data = export["data"]
    response = render(
        request,
        "ui/privacy/export_summary.html",
        {
            "export": export,
            "customers": data.get("customers", {}),
            "shop": data.get("shop", {}),
            "timeline": data.get("timeline", {}).get("timeline", []),
            "scores": data.get("analytics", {}).get("scores", {}),
            "trail": data.get("audit", {}).get("audit_trail", []),
            "deliveries": data.get("connectors", {}).get("shop_deliveries", []),
            "others": {
                label: json.dumps(part, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
                for label, part in data.items()
                if label not in SHOWN_APPS
            },
        },
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="customer-{export["customer_id"]}-gdpr-export.html"'
        )
    return response


@login_required
@permission_required(ERASE_PERMISSION, raise_exception=True)
@require_POST
def customer_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase the customer's personal data now, or record why it must wait."""
    if request.POST.get("confirm") != "erase":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("ui:customer-privacy", pk=pk)
    try:
        record = request_erasure(pk, by=request.user)
    except PrivacyError as error:
        raise Http404(str(error)) from error
    if record.state == PrivacyRequestState.DEFERRED:
        messages.warning(
            request,
            _(
                "The erasure is deferred: something open must finish first. "
                "It is tried again daily."
            ),
        )
    elif record.state == PrivacyRequestState.RESTRICTED:
        messages.success(
            request,
            _(
                "The personal data was erased. Records the law requires are kept until "
                "%(until)s with processing restricted."
            )
            % {"until": date_format(record.restricted_until, "SHORT_DATE_FORMAT")},
        )
    else:
        messages.success(request, _("The personal data was erased."))
    return redirect("ui:customer-privacy", pk=record.customer_id)


@login_required
@permission_required(ERASE_PERMISSION, raise_exception=True)
@require_POST
def customer_restrict(request: HttpRequest, pk: int) -> HttpResponse:
    """Restrict the processing of the customer's data (Art. 18 GDPR), with the reason."""
    try:
        restrict_processing(pk, by=request.user, reason=request.POST.get("reason", ""))
    except RestrictionRefused:
        messages.error(request, _("Give the reason for the restriction (only active customers)."))
        return redirect("ui:customer-privacy", pk=pk)
    except PrivacyError as error:
        raise Http404(str(error)) from error
    messages.success(
        request,
        _("Processing is restricted: no marketing, no scores, segments or exports."),
    )
    return redirect("ui:customer-privacy", pk=pk)


@login_required
@permission_required(ERASE_PERMISSION, raise_exception=True)
@require_POST
def customer_lift_restriction(request: HttpRequest, pk: int) -> HttpResponse:
    """End the restriction of processing."""
    try:
        lift_restriction(pk, by=request.user)
    except PrivacyError as error:
        raise Http404(str(error)) from error
    messages.success(request, _("The restriction of processing was lifted."))
    return redirect("ui:customer-privacy", pk=pk)
