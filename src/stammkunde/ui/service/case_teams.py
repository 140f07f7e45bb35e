"""Teams, their response-time standards and the routing rules, for team leads."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stammkunde.service.admin_scope import managed_teams
from stammkunde.service.models import RoutingRule, Team
from stammkunde.service.services.desk_settings import default_resolution_minutes
from stammkunde.service.services.teams import (
    RULE_FIELDS,
    TEAM_FIELDS,
    TeamError,
    save_routing_rule,
    set_default_resolution,
    update_team,
)
from stammkunde.shop.models import Shop
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui.service.desk_scope import managed_team, require_desk_wide

MANAGE = "service.manage_teams"


class TeamForm(forms.ModelForm):
    opening_hours = forms.CharField(
        label=gettext_lazy('Opening hours (JSON: weekday 0-6 to [["09:00", "17:00"]])'),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    company_holidays = forms.CharField(
        label=gettext_lazy('Company holidays (JSON: [["2026-12-24", "2026-12-31"]])'),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    class Meta:
        model = Team
        fields = list(TEAM_FIELDS)

    def __init__(self, *args, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        shop_ids = staff_shop_ids(by)
        if shop_ids is not None:
            # A limited lead keeps their team in their shops (a team without a shop serves
            # every shop: service/admin_scope.py).
            self.fields["shop"].queryset = Shop.objects.filter(pk__in=shop_ids).order_by("name")
            self.fields["shop"].required = True
            self.fields["shop"].empty_label = None
        if not self.is_bound:
            self.initial["opening_hours"] = json.dumps(self.instance.opening_hours)
            self.initial["company_holidays"] = json.dumps(self.instance.company_holidays)

    def _json(self, name: str, empty):
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return empty
        try:
            return json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None

    def clean_opening_hours(self):
        value = self._json("opening_hours", {})
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Opening hours map weekdays to lists of times."))
        return value

    def clean_company_holidays(self):
        value = self._json("company_holidays", [])
        if not isinstance(value, list):
            raise forms.ValidationError(_("Company holidays are a list of date ranges."))
        return value


class DefaultResolutionForm(forms.Form):
    """The desk's default resolution target; the service checks the bounds and says why."""

    hours = forms.CharField(
        label=gettext_lazy("Default resolution target (business hours)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy(
            "For cases whose team sets no resolution target, for their type or in general. "
            "Whole hours from 1 to 2160 (90 days); open cases on the default get their new due "
            "time at once."
        ),
    )


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = list(RULE_FIELDS)


@login_required
@permission_required(MANAGE, raise_exception=True)
def team_list(request: HttpRequest) -> HttpResponse:
    """The teams with their targets, and the desk's default resolution target (POST sets it)."""
    hours = default_resolution_minutes() // 60
    form = DefaultResolutionForm(request.POST or None, initial={"hours": hours})
    if request.method == "POST":
        require_desk_wide(request, "default resolution target")
    if request.method == "POST" and form.is_valid():
        try:
            set_default_resolution(hours=form.cleaned_data["hours"], by=request.user)
        except TeamError as error:
            form.add_error("hours", str(error))
        else:
            messages.success(request, _("The default resolution target was saved."))
            return redirect("ui:team-list")
    teams = managed_teams(Team.objects.all(), request.user)
    teams = teams.prefetch_related("members__user", "standards").order_by("name")
    return render(
        request,
        "ui/service/cases/teams.html",
        {"teams": teams, "default_resolution_hours": hours, "default_form": form},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = managed_team(request, pk, "team settings")
    form = TeamForm(request.POST or None, instance=Team.objects.get(pk=pk), by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            update_team(
                team,
                by=request.user,
                changes={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except TeamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Team saved."))
            return redirect("ui:team-list")
    from stammkunde.ui.service.team_admin import team_admin_context

    return render(
        request,
        "ui/service/cases/team_form.html",
        {"form": form, "team": team, **team_admin_context(team)},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
def routing_rules(request: HttpRequest) -> HttpResponse:
    rules = RoutingRule.objects.select_related("team").order_by("position", "id")
    default = Team.objects.filter(is_default=True).first()
    return render(request, "ui/service/cases/rules.html", {"rules": rules, "default": default})


@login_required
@permission_required(MANAGE, raise_exception=True)
def routing_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    # Rules are tried in order on every shop's mail: desk-wide.
    require_desk_wide(request, "routing rule")
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=RoutingRule.objects.filter(pk=pk).first())
    if request.method == "POST" and form.is_valid():
        try:
            save_routing_rule(
                rule,
                by=request.user,
                values={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except TeamError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("ui:routing-rules")
    return render(
        request,
        "ui/service/cases/rule_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )
