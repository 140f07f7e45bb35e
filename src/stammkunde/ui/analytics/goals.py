"""Goals: the team lead (or owner) sets targets for the key figures and sees progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from stammkunde.analytics.goals import clear_goal, goal_progress, set_goal
from stammkunde.analytics.models import GoalKpi
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.analytics.forms import GoalsForm


@login_required
def goals(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_manage = user.has_perm("analytics.manage_goals")
    if not (can_manage or user.has_perm("analytics.view_dashboard")):
        raise PermissionDenied
    # Goals are the installation's, measured against figures of all shops together: staff
    # limited to shops neither see the progress nor set the targets (the page says why).
    limited = staff_shop_ids(user) is not None
    can_manage = can_manage and not limited
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = GoalsForm(request.POST)
        if form.is_valid():
            for kpi in GoalKpi.values:
                target = form.cleaned_data.get(kpi)
                if target is None:
                    clear_goal(kpi=kpi, by=user)
                else:
                    set_goal(kpi=kpi, target=target, by=user)
            messages.success(request, _("The goals were saved."))
            return redirect("ui:goals")
    else:
        form = GoalsForm.current()
    return render(
        request,
        "ui/analytics/goals.html",
        {
            "form": form if can_manage else None,
            "progress": None if limited else goal_progress(),
            "limited_to_shops": limited,
        },
    )
