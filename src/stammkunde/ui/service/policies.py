"""Team leads' policy pages: goodwill limits, house rules with confirmations, crisis plans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core.ids import parse_id
from stammkunde.service.goodwill_policy import role_limit
from stammkunde.service.models import (
    CaseType,
    CrisisPlan,
    DeskRole,
    GoodwillKind,
    GoodwillLimit,
    StandardConfirmation,
)
from stammkunde.service.queries import current_standard, refund_clocks, unconfirmed_staff
from stammkunde.service.services.crisis import CrisisError, save_crisis_plan
from stammkunde.service.services.goodwill import (
    GoodwillError,
    current_limits,
    remove_goodwill_limit,
    set_goodwill_limit,
)
from stammkunde.service.services.standards import (
    StandardError,
    confirm_standard,
    publish_standard,
)
from stammkunde.ui.service.desk_forms import CrisisPlanForm, LimitForm, StandardForm
from stammkunde.ui.service.desk_scope import require_desk_wide


def limits_in_effect() -> list[dict[str, Any]]:
    """Per role, the limit that applies to each kind (rows) in each case type with limits of
    its own and in every other type (columns), after the fallback order; None: nothing set,
    every gesture of that kind waits for a team lead."""
    limits = current_limits()
    types = ["", *sorted({case_type for _role, case_type, _kind in limits if case_type})]
    labels = dict(CaseType.choices)
    return [
        {
            "key": role,
            "role": role_label,
            "columns": [labels.get(case_type, case_type) for case_type in types if case_type],
            "rows": [
                (
                    kind_label,
                    [role_limit(role, case_type, kind, limits) for case_type in types],
                )
                for kind, kind_label in GoodwillKind.choices
            ],
        }
        for role, role_label in DeskRole.choices
    ]


@login_required
def policy_settings(request: HttpRequest) -> HttpResponse:
    """The goodwill limits per role, kind and case type, and what is in effect after the
    fallback order."""
    if not request.user.has_perm("service.manage_desk_policies"):
        raise PermissionDenied
    form = LimitForm(request.POST or None)
    case_types = dict(CaseType.choices)
    if request.method == "POST":
        require_desk_wide(request, "goodwill limits")
        if "remove" in request.POST:
            limit = get_object_or_404(GoodwillLimit, pk=parse_id(request.POST["remove"]) or 0)
            remove_goodwill_limit(limit, by=request.user)
            messages.success(request, _("The limit was removed."))
            return redirect("ui:desk-policies")
        if form.is_valid():
            try:
                set_goodwill_limit(
                    role=form.cleaned_data["role"],
                    kind=form.cleaned_data["kind"] or "",
                    case_type=form.cleaned_data["case_type"] or "",
                    maximum=form.cleaned_data["maximum"],
                    by=request.user,
                )
            except GoodwillError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The limit was saved."))
                return redirect("ui:desk-policies")
    return render(
        request,
        "ui/service/desk/policies.html",
        {
            "form": form,
            "limits": [
                (limit, case_types.get(limit.case_type, limit.case_type))
                for limit in GoodwillLimit.objects.all()
            ],
            "in_effect": limits_in_effect(),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
def standards(request: HttpRequest) -> HttpResponse:
    """The current house rules: agents confirm them, leads publish versions and see who has
    not confirmed."""
    user = request.user
    if not user.has_perm("service.view_servicestandard"):
        raise PermissionDenied
    can_publish = user.has_perm("service.manage_desk_policies")
    standard = current_standard()
    form = StandardForm(
        request.POST if "publish" in request.POST else None,
        initial={"title": standard.title, "body": standard.body} if standard else None,
    )
    if request.method == "POST":
        if "confirm" in request.POST and standard is not None:
            confirm_standard(standard, by=user)
            messages.success(request, _("Thank you: you confirmed the house rules."))
            return redirect("ui:standards")
        if "publish" in request.POST:
            if not can_publish:
                raise PermissionDenied
            require_desk_wide(request, "house rules")
            if form.is_valid():
                try:
                    publish_standard(
                        title=form.cleaned_data["title"], body=form.cleaned_data["body"], by=user
                    )
                except StandardError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _("The new version was published."))
                    return redirect("ui:standards")
    confirmed = (
        StandardConfirmation.objects.filter(standard=standard, user=user).first()
        if standard
        else None
    )
    return render(
        request,
        "ui/service/desk/standards.html",
        {
            "standard": standard,
            "confirmed": confirmed,
            "form": form if can_publish else None,
            "unconfirmed": unconfirmed_staff(standard) if (standard and can_publish) else None,
        },
    )


@login_required
def crisis_plan_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("service.view_crisisplan"):
        raise PermissionDenied
    plans = CrisisPlan.objects.prefetch_related("steps", "reply_templates")
    return render(request, "ui/service/desk/crisis_plan_list.html", {"plans": plans})


@login_required
def crisis_plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("service.manage_desk_policies"):
        raise PermissionDenied
    require_desk_wide(request, "crisis plan")
    plan = get_object_or_404(CrisisPlan, pk=pk)
    initial = {
        "name": plan.name,
        "steps": "\n".join(step.text for step in plan.steps.all()),
        "suggested_goodwill_kind": plan.suggested_goodwill_kind,
        "suggested_goodwill_amount": plan.suggested_goodwill_amount,
        "deadline_hours": plan.deadline_hours,
        "responsible_role": plan.responsible_role,
        "is_active": plan.is_active,
    }
    form = CrisisPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save_crisis_plan(
                plan,
                name=data["name"],
                steps=data["steps"].splitlines(),
                suggested_goodwill_kind=data["suggested_goodwill_kind"],
                suggested_goodwill_amount=data["suggested_goodwill_amount"],
                deadline_hours=data["deadline_hours"],
                responsible_role=data["responsible_role"],
                is_active=data["is_active"],
                by=request.user,
            )
        except CrisisError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The crisis plan was saved."))
            return redirect("ui:crisis-plan-list")
    return render(
        request,
        "ui/service/desk/crisis_plan_form.html",
        {"form": form, "plan": plan},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def refund_clock_list(request: HttpRequest) -> HttpResponse:
    """Received returns waiting for their refund: due, warned, overdue."""
    if not request.user.has_perm("service.view_refundclock"):
        raise PermissionDenied
    include_done = request.GET.get("all") == "1"
    return render(
        request,
        "ui/service/desk/refund_clocks.html",
        {
            "clocks": refund_clocks(by=request.user, include_done=include_done),
            "include_done": include_done,
            "now": timezone.now(),
        },
    )
