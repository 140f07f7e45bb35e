"""The outbox (what went out, what waits, the uncertain ones to decide on), the suppression
list, and the printable proof of a customer's consents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_page
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import consent_proof, may_see_customer
from stammkunde.messaging.models import MessageState, SuppressionReason
from stammkunde.messaging.queries import (
    OUTBOX_PAGE,
    may_resolve_message,
    outbox_counts,
    outbox_page,
    suppression_page,
)
from stammkunde.messaging.services.suppression import (
    SuppressionError,
    remove_suppression,
    suppress_address,
)
from stammkunde.messaging.services.transitions import UncertainError, resolve_uncertain

RESOLVE_PERMISSION = "messaging.resolve_uncertain_message"
SUPPRESSION_PERMISSION = "messaging.manage_suppression"


def _page(raw: str | None) -> int:
    return parse_page(raw, last=10_000)


@login_required
@permission_required("messaging.view_outboundmessage", raise_exception=True)
def outbox_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in MessageState.values else ""
    page = _page(request.GET.get("page"))
    rows = outbox_page(by=request.user, state=state, offset=(page - 1) * OUTBOX_PAGE)
    counts = outbox_counts(by=request.user)
    context = {
        "rows": rows[:OUTBOX_PAGE],
        "has_next": len(rows) > OUTBOX_PAGE,
        "page": page,
        "state": state,
        "states": [(value, label, counts.get(value, 0)) for value, label in MessageState.choices],
        "can_resolve": request.user.has_perm(RESOLVE_PERMISSION),
    }
    return render(request, "ui/messaging/outbox_list.html", context)


@login_required
@permission_required(RESOLVE_PERMISSION, raise_exception=True)
@require_POST
def outbox_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_resolve_message(pk, by=request.user):
        raise Http404("no such message")
    action = request.POST.get("action", "")
    if action not in ("resend", "mark_sent"):
        messages.error(request, _("Choose to send the message again or to mark it sent."))
        return redirect(reverse("ui:outbox-list") + "?state=uncertain")
    try:
        resolve_uncertain(pk, action=action, by=request.user)
    except UncertainError:
        messages.error(request, _("This message is not waiting for a decision any more."))
    else:
        if action == "resend":
            messages.success(request, _("The message is queued again."))
        else:
            messages.success(request, _("The message is marked sent."))
    return redirect(reverse("ui:outbox-list") + "?state=uncertain")


@login_required
@permission_required("messaging.view_suppression", raise_exception=True)
def suppression_list(request: HttpRequest) -> HttpResponse:
    page = _page(request.GET.get("page"))
    search = request.GET.get("q", "")[:254]
    rows = suppression_page(by=request.user, offset=(page - 1) * OUTBOX_PAGE, search=search)
    context = {
        "rows": rows[:OUTBOX_PAGE],
        "has_next": len(rows) > OUTBOX_PAGE,
        "page": page,
        "q": search,
        "reasons": SuppressionReason.choices,
        "can_manage": request.user.has_perm(SUPPRESSION_PERMISSION),
    }
    return render(request, "ui/messaging/suppression_list.html", context)


@login_required
@permission_required(SUPPRESSION_PERMISSION, raise_exception=True)
@require_POST
def suppression_add(request: HttpRequest) -> HttpResponse:
    address = request.POST.get("address", "").strip()
    try:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        validate_email(address)
        suppress_address(address=address, reason="manual", source="staff", by=request.user)
    except (ValidationError, SuppressionError):
        messages.error(
            request, _("“%(address)s” is not a valid e-mail address.") % {"address": address}
        )
    else:
        messages.success(request, _("%(address)s gets no more mail.") % {"address": address})
    return redirect("ui:suppression-list")


@login_required
@permission_required(SUPPRESSION_PERMISSION, raise_exception=True)
@require_POST
def suppression_remove(request: HttpRequest) -> HttpResponse:
    address = request.POST.get("address", "")
    # A typed NUL is on no list (and PostgreSQL refuses it in a query).
    if "\x00" not in address and remove_suppression(address=address, by=request.user):
        messages.success(request, _("%(address)s may get mail again.") % {"address": address})
    else:
        messages.error(request, _("This address is not on the list."))
    return redirect("ui:suppression-list")


@login_required
@permission_required("customers.view_consentevent", raise_exception=True)
def consent_proof_page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    if not may_see_customer(customer.pk, by=request.user, detail="consent proof"):
        raise Http404("no such customer")
    requests = consent_proof(customer.pk, by=request.user)
    return render(
        request, "ui/messaging/consent_proof.html", {"customer": customer, "requests": requests}
    )
