"""Team leads' administration of the desk's people: absences (who is away when, and who
stands in), team membership, and the response-time standard per case type of a team."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stammkunde.core.ids import parse_id, parse_page
from stammkunde.service.admin_scope import absences_in_scope, managed_staff
from stammkunde.service.models import Absence, Team
from stammkunde.service.models.terms import CaseType
from stammkunde.service.queries import absences_ahead, past_absences
from stammkunde.service.services.desk_settings import default_resolution_minutes
from stammkunde.service.services.teams import (
    TeamError,
    end_absence,
    record_absence,
    set_response_standard,
    set_team_member,
)
from stammkunde.ui.service.desk_scope import managed_team

MANAGE = "service.manage_teams"


def _staff() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class AbsenceForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Who"), queryset=get_user_model().objects.none()
    )
    starts = forms.DateTimeField(
        label=gettext_lazy("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends = forms.DateTimeField(
        label=gettext_lazy("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    substitute = forms.ModelChoiceField(
        label=gettext_lazy("Stands in (else a colleague of the team)"),
        queryset=get_user_model().objects.none(),
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, by: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = managed_staff(by).order_by("username")
        self.fields["substitute"].queryset = managed_staff(by).order_by("username")


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=get_user_model().objects.none()
    )
    is_lead = forms.BooleanField(label=gettext_lazy("team lead"), required=False)
    takes_cases = forms.BooleanField(label=gettext_lazy("takes cases"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff()


class StandardForm(forms.Form):
    case_type = forms.ChoiceField(label=gettext_lazy("Case type"), choices=CaseType.choices)
    first_response_hours = forms.DecimalField(
        label=gettext_lazy("First response within (business hours)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        localize=True,  # "1,5" in German
    )
    resolution_hours = forms.DecimalField(
        label=gettext_lazy("Resolution within (business hours)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        localize=True,  # "1,5" in German
    )

    def minutes(self, name: str) -> int | None:
        hours = self.cleaned_data.get(name)
        return None if hours is None else round(hours * 60)


@login_required
@permission_required(MANAGE, raise_exception=True)
def absence_list(request: HttpRequest) -> HttpResponse:
    """Who is away when (under way and ahead, and a paged list of past absences); record a new
    absence (not overlapping another of the same person) or end one early. A lead limited to
    shops sees and records those of their shops' teams' members."""
    form = AbsenceForm(request.POST or None, by=request.user)
    if request.method == "POST":
        if request.POST.get("end"):
            absence = get_object_or_404(
                absences_in_scope(Absence.objects.all(), request.user),
                pk=parse_id(request.POST["end"]) or 0,
            )
            end_absence(absence, by=request.user)
            messages.success(request, _("The absence was ended."))
            return redirect("ui:absence-list")
        if form.is_valid():
            data = form.cleaned_data
            try:
                record_absence(
                    user=data["user"],
                    starts=data["starts"],
                    ends=data["ends"],
                    substitute=data["substitute"],
                    note=data["note"],
                    by=request.user,
                )
            except TeamError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The absence was recorded."))
                return redirect("ui:absence-list")
    now = timezone.now()
    past_page = parse_page(request.GET.get("past_page"))
    past, past_has_next = past_absences(by=request.user, page=past_page, now=now)
    return render(
        request,
        "ui/service/cases/absences.html",
        {
            "form": form,
            "absences": absences_ahead(by=request.user, now=now),
            "now": now,
            "past": past,
            "past_page": past_page,
            "past_has_next": past_has_next,
        },
        status=422 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def team_member_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a person into the team or change their role there (set_team_member)."""
    team = managed_team(request, pk, "team members")
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person."))
        return redirect("ui:team-edit", pk=team.pk)
    data = form.cleaned_data
    set_team_member(
        team,
        data["user"],
        by=request.user,
        is_lead=data["is_lead"],
        takes_cases=data["takes_cases"],
    )
    messages.success(request, _("Team membership saved."))
    return redirect("ui:team-edit", pk=team.pk)


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def team_standard_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The team's targets for one case type; both empty: the team's general targets apply."""
    team = managed_team(request, pk, "team standards")
    form = StandardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The targets are not valid: enter hours, or leave them empty."))
        return redirect("ui:team-edit", pk=team.pk)
    try:
        set_response_standard(
            team,
            case_type=form.cleaned_data["case_type"],
            first_response_minutes=form.minutes("first_response_hours"),
            resolution_minutes=form.minutes("resolution_hours"),
            by=request.user,
        )
    except TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Response-time standard saved."))
    return redirect("ui:team-edit", pk=team.pk)


@dataclass(frozen=True)
class Target:
    """One target of a case type as it applies: in business hours (None for the first
    response: the same business day) and where it comes from ("own", "team", "default")."""

    hours: Decimal | None
    source: str


def _target(own: int | None, team: int | None, default: int | None) -> Target:
    for minutes, source in ((own, "own"), (team, "team"), (default, "default")):
        if minutes is not None:
            return Target(Decimal(minutes) / 60, source)
    return Target(None, "default")


def team_admin_context(team: Team) -> dict[str, Any]:
    """The members and standards section of the team page: per case type the targets that
    apply, the type's own, else the team's, else the default (said so on the page)."""
    standards = {standard.case_type: standard for standard in team.standards.all()}
    default = default_resolution_minutes()
    rows = []
    for value, label in CaseType.choices:
        own = standards.get(value)
        first = _target(own and own.first_response_minutes, team.first_response_minutes, None)
        resolution = _target(own and own.resolution_minutes, team.resolution_minutes, default)
        rows.append((value, label, own, first, resolution))
    return {
        "members": team.members.select_related("user").order_by("user__username"),
        "member_form": MemberForm(),
        "standard_rows": rows,
        "standard_form": StandardForm(),
        "default_resolution_hours": default // 60,
    }
