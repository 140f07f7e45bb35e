"""The actions of the case page: reply, note, status, assign, escalate, merge. Each parses
its form and calls one service; a refusal comes back as a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_ids
from stammkunde.service.case_queries import agents, case_for_staff, case_for_staff_by_reference
from stammkunde.service.models import Case, Team
from stammkunde.service.services import cases as services
from stammkunde.service.services.cases import CaseError
from stammkunde.service.services.threads import merge_cases, split_case
from stammkunde.ui.service.case_forms import (
    AssignForm,
    EscalateForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from stammkunde.ui.service.cases import require_case_access


def _act(request: HttpRequest, case: Case, action: Callable[[], object], done: str) -> HttpResponse:
    try:
        action()
    except CaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("ui:case-detail", pk=case.pk)


def _case(request: HttpRequest, pk: int) -> Case:
    require_case_access(request)
    case = case_for_staff(pk, by=request.user)
    if case is None:
        raise Http404("no such case")
    return case


def _invalid(request: HttpRequest, case: Case, form) -> HttpResponse:
    errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    messages.error(request, errors or _("Please check the form."))
    return redirect("ui:case-detail", pk=case.pk)


@login_required
@require_POST
def case_reply(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    data = form.cleaned_data
    return _act(
        request,
        case,
        lambda: services.reply(case, by=request.user, text=data["text"], status=data["status"]),
        _("Reply queued for sending."),
    )


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request,
        case,
        lambda: services.add_note(case, by=request.user, text=form.cleaned_data["text"]),
        _("Note added."),
    )


@login_required
@require_POST
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request,
        case,
        lambda: services.set_status(case, form.cleaned_data["status"], by=request.user),
        _("Status changed."),
    )


@login_required
@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    teams = list(Team.objects.order_by("name"))
    form = AssignForm(request.POST, users=agents(), teams=teams)
    if not form.is_valid():
        return _invalid(request, case, form)
    data = form.cleaned_data
    user = (
        get_user_model().objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
    )
    team = next((team for team in teams if str(team.pk) == data["team"]), None)
    return _act(
        request,
        case,
        lambda: services.assign(case, user, by=request.user, team=team),
        _("Assignment changed."),
    )


@login_required
@require_POST
def case_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, form)
    return _act(
        request,
        case,
        lambda: services.escalate(case, by=request.user, reason=form.cleaned_data["reason"]),
        _("Case handed to the mediator."),
    )


@login_required
@require_POST
def case_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this case into the case named by its reference."""
    case = _case(request, pk)
    target = case_for_staff_by_reference((request.POST.get("into") or "").strip(), by=request.user)
    if target is None:
        messages.error(request, _("No case with that reference."))
        return redirect("ui:case-detail", pk=case.pk)
    try:
        merge_cases(case, target, by=request.user)
    except CaseError as error:
        messages.error(request, str(error))
        return redirect("ui:case-detail", pk=case.pk)
    messages.success(request, _("Merged into %(reference)s.") % {"reference": target.reference})
    return redirect("ui:case-detail", pk=target.pk)


@login_required
@require_POST
def case_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the ticked messages of this case's thread into a new case of the same customer."""
    case = _case(request, pk)
    chosen = parse_ids(request.POST.getlist("message"))
    try:
        new_case = split_case(case, chosen, by=request.user)
    except CaseError as error:
        messages.error(request, str(error))
        return redirect("ui:case-detail", pk=case.pk)
    messages.success(
        request, _("Split off into %(reference)s.") % {"reference": new_case.reference}
    )
    return redirect("ui:case-detail", pk=new_case.pk)


@login_required
@require_POST
def case_move_to_order_customer(request: HttpRequest, pk: int) -> HttpResponse:
    """The unverified sender writes about another customer's order: the case moves there."""
    from stammkunde.service.case_queries import orders_quoted_of_others
    from stammkunde.service.services.sender_identity import move_case_to_order_customer

    case = _case(request, pk)
    order = next(
        (
            order
            for order in orders_quoted_of_others(case, by=request.user, audited=False)
            if str(order.pk) == request.POST.get("order")
        ),
        None,
    )
    if order is None:
        messages.error(request, _("The case does not quote that order."))
        return redirect("ui:case-detail", pk=case.pk)
    return _act(
        request,
        case,
        lambda: move_case_to_order_customer(case, order, by=request.user),
        _("The case now belongs to %(name)s.") % {"name": order.customer.display_name},
    )
