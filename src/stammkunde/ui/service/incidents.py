"""Incidents: one problem, many affected customers; choose the orders once, message them all."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from stammkunde.service.models import Incident
from stammkunde.service.queries import affected_orders
from stammkunde.service.services.crisis import (
    CrisisError,
    add_affected_orders,
    close_incident,
    notify_affected,
    open_incident,
    order_numbers,
)
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.service.desk_forms import (
    AffectedOrdersForm,
    IncidentForm,
    IncidentMessageForm,
)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("service.view_incident"):
        raise PermissionDenied
    can_manage = user.has_perm("service.manage_incidents")
    form = IncidentForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                incident = open_incident(by=user, **form.cleaned_data)
            except CrisisError as error:
                form.add_error(None, str(error))
            else:
                return redirect("ui:incident-detail", incident.pk)
    return render(
        request,
        "ui/service/desk/incident_list.html",
        {"incidents": Incident.objects.all()[:100], "form": form if can_manage else None},
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not user.has_perm("service.view_incident"):
        raise PermissionDenied
    incident = get_object_or_404(Incident, pk=pk)
    can_manage = user.has_perm("service.manage_incidents")
    orders_form = AffectedOrdersForm(request.POST if "add_orders" in request.POST else None)
    message_form = IncidentMessageForm(
        request.POST if "notify" in request.POST else None,
        initial={"subject": incident.message_subject, "body": incident.message_body},
    )
    problems: list[str] = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if "close" in request.POST:
            close_incident(incident, by=user)
            return redirect("ui:incident-detail", incident.pk)
        if "add_orders" in request.POST and orders_form.is_valid():
            added, unknown = add_affected_orders(
                incident, numbers=order_numbers(orders_form.cleaned_data["numbers"]), by=user
            )
            messages.success(request, _("%(count)d orders added.") % {"count": added})
            if unknown:
                messages.warning(
                    request,
                    _("Unknown order numbers: %(numbers)s") % {"numbers": ", ".join(unknown)},
                )
            return redirect("ui:incident-detail", incident.pk)
        if "notify" in request.POST and message_form.is_valid():
            try:
                counts = notify_affected(
                    incident,
                    subject=message_form.cleaned_data["subject"],
                    body=message_form.cleaned_data["body"],
                    by=user,
                )
            except CrisisError as error:
                message_form.add_error(None, str(error))
                problems = error.problems
            else:
                messages.success(
                    request,
                    _("%(queued)d messages queued, %(held)d held back, %(failed)d failed.")
                    % counts,
                )
                return redirect("ui:incident-detail", incident.pk)
    affected = affected_orders(incident, by=user)
    return render(
        request,
        "ui/service/desk/incident_detail.html",
        {
            "incident": incident,
            "affected": affected,
            "orders_form": orders_form if can_manage else None,
            "message_form": message_form if can_manage else None,
            "problems": problems,
            "limited_to_shops": staff_shop_ids(user) is not None,
        },
    )
