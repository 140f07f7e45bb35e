"""Team leads' changes to teams, routing rules and absences (each audited)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.business_hours import CalendarError
from stammkunde.service.models import (
    ACTIVE_STATUSES,
    Absence,
    Case,
    DeskSettings,
    ResponseStandard,
    RoutingRule,
    Team,
    TeamMember,
)
from stammkunde.service.models.desk import MAX_RESOLUTION_MINUTES, MIN_RESOLUTION_MINUTES
from stammkunde.service.models.terms import CaseType

# What a team lead may change, in the order the forms show it (ui/service/case_teams.py).
TEAM_FIELDS = (
    "name",
    "opening_hours",
    "subdivision",
    "company_holidays",
    "first_response_minutes",
    "resolution_minutes",
    "warn_before_minutes",
    "escalate_on_breach",
    "assignment",
    "shop",
)
RULE_FIELDS = (
    "name",
    "position",
    "is_active",
    "case_type",
    "keywords",
    "channel",
    "order_status",
    "customer_segment",
    "min_customer_value",
    "team",
    "set_priority",
)


class TeamError(ValueError):
    """A change to a team that cannot be made; the message is meant for the team lead."""


@transaction.atomic
def update_team(team: Team, *, by: Any, changes: Mapping[str, Any]) -> Team:
    """Change a team's settings; its calendar must stay usable (checked before saving)."""
    unknown = set(changes).difference(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(team, name, value)
    try:
        team.calendar()
    except (CalendarError, ValueError, TypeError) as error:
        raise TeamError(str(error)) from None
    team.save(update_fields=list(changes))
    audit(actor=by, action=AuditAction.CHANGE, obj=team, fields=list(changes), detail=team.slug)
    return team


@transaction.atomic
def save_routing_rule(
    rule: RoutingRule | None, *, by: Any, values: Mapping[str, Any]
) -> RoutingRule:
    """Create (``rule`` None) or change a routing rule."""
    unknown = set(values).difference(RULE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    created = rule is None
    rule = rule or RoutingRule()
    for name, value in values.items():
        setattr(rule, name, value)
    if rule.min_customer_value is not None and rule.min_customer_value < 0:
        raise TeamError(_("A customer value cannot be negative."))
    rule.save()
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=rule,
        fields=list(values),
        detail=rule.name,
    )
    return rule


@transaction.atomic
def set_team_member(
    team: Team, user: Any, *, by: Any, is_lead: bool = False, takes_cases: bool = True
) -> TeamMember:
    """Put ``user`` into ``team`` (or change their membership there): the one writer of members."""
    member, created = TeamMember.objects.get_or_create(
        team=team, user=user, defaults={"is_lead": is_lead, "is_active": takes_cases}
    )
    changed = not created and (member.is_lead, member.is_active) != (is_lead, takes_cases)
    if changed:
        member.is_lead, member.is_active = is_lead, takes_cases
        member.save(update_fields=["is_lead", "is_active"])
    if not (created or changed):
        return member  # nothing happened, so nothing to audit
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=member,
        fields=["is_lead", "is_active"],
        detail=f"{team.slug}: {user.get_username()}",
    )
    return member


def _moment(moment: datetime) -> str:
    """A moment in the reader's locale and the site's time zone."""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@transaction.atomic
def record_absence(
    *, user: Any, starts: datetime, ends: datetime, substitute: Any = None, by: Any, note: str = ""
) -> Absence:
    """Note that ``user`` is away; the desk's job hands their cases over while it lasts.
    An absence overlapping another of the same person is refused."""
    if ends <= starts:
        raise TeamError(_("An absence must end after it starts."))
    if substitute is not None and substitute.pk == user.pk:
        raise TeamError(_("Nobody can stand in for themselves."))
    # Lock the person so that two team leads recording at once cannot both pass the check.
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    overlapping = (
        Absence.objects.filter(user=user, starts__lt=ends, ends__gt=starts)
        .order_by("starts")
        .first()
    )
    if overlapping is not None:
        # Two absences of one person would hand their cases over twice, maybe to two people.
        raise TeamError(
            _(
                "%(name)s is already away from %(starts)s until %(ends)s; "
                "change that absence instead."
            )
            % {
                "name": user.get_full_name() or user.get_username(),
                "starts": _moment(overlapping.starts),
                "ends": _moment(overlapping.ends),
            }
        )
    absence = Absence.objects.create(
        user=user, starts=starts, ends=ends, substitute=substitute, note=note
    )
    audit(actor=by, action=AuditAction.CREATE, obj=absence, detail=str(user))
    return absence


@transaction.atomic
def end_absence(absence: Absence, *, by: Any, now: datetime | None = None) -> Absence | None:
    """End an absence early: one still to come is dropped (returns None), one under way ends
    now, so the person takes cases again at once; one already over stays as it was (history)."""
    now = now or timezone.now()
    if absence.ends <= now:
        return absence
    if absence.starts >= now:
        audit(actor=by, action=AuditAction.DELETE, obj=absence, detail=str(absence.user))
        absence.delete()
        return None
    absence.ends = now
    absence.save(update_fields=["ends"])
    audit(
        actor=by, action=AuditAction.CHANGE, obj=absence, fields=["ends"], detail=str(absence.user)
    )
    return absence


@transaction.atomic
def set_response_standard(
    team: Team,
    *,
    case_type: str,
    first_response_minutes: int | None,
    resolution_minutes: int | None,
    by: Any,
) -> ResponseStandard | None:
    """The team's promise for one case type in business minutes. Both empty removes the
    type's own standard, so the team's general one applies again (returns None)."""
    if case_type not in CaseType.values:
        raise TeamError(_("Unknown case type."))
    for minutes in (first_response_minutes, resolution_minutes):
        if minutes is not None and (minutes <= 0 or minutes > 60 * 24 * 60):
            raise TeamError(_("A target must be between 1 business minute and 60 days."))
    if (
        first_response_minutes is not None
        and resolution_minutes is not None
        and resolution_minutes < first_response_minutes
    ):
        raise TeamError(_("The resolution target cannot come before the first response."))
    current = ResponseStandard.objects.filter(team=team, case_type=case_type).first()
    if first_response_minutes is None and resolution_minutes is None:
        if current is not None:
            audit(
                actor=by, action=AuditAction.DELETE, obj=current, detail=f"{team.slug}: {case_type}"
            )
            current.delete()
        return None
    created = current is None
    standard = current or ResponseStandard(team=team, case_type=case_type)
    standard.first_response_minutes = first_response_minutes
    standard.resolution_minutes = resolution_minutes
    standard.save()
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=standard,
        fields=["first_response_minutes", "resolution_minutes"],
        detail=f"{team.slug}: {case_type}",
    )
    return standard


def resolution_minutes_from_hours(hours: Any) -> int:
    """Whole business hours as a team lead types them ("16") in business minutes, within the
    bounds (1 business hour to 90 days); TeamError says what is wrong. Whole hours: the page
    and the team pages count the default in hours ("24 business hours")."""
    text = str(hours if hours is not None else "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.to_integral_value():
        raise TeamError(_("The default resolution target is a whole number of business hours."))
    minutes = int(value) * 60
    if not MIN_RESOLUTION_MINUTES <= minutes <= MAX_RESOLUTION_MINUTES:
        raise TeamError(
            _(
                "The default resolution target lies between %(min)s business hour and "
                "%(max)s business hours (90 days)."
            )
            % {
                "min": formats.number_format(MIN_RESOLUTION_MINUTES // 60, force_grouping=True),
                "max": formats.number_format(MAX_RESOLUTION_MINUTES // 60, force_grouping=True),
            }
        )
    return minutes


@transaction.atomic
def set_default_resolution(*, hours: Any, by: Any) -> DeskSettings:
    """A team lead sets the resolution target of cases whose team has none (for their type or
    in general). Open cases on that default get their new due time at once, as the queue and
    the breach warnings read it; cases on a target of their team keep theirs."""
    if not by.has_perm("service.manage_teams"):
        raise TeamError(_("Only a team lead sets the desk's default targets."))
    minutes = resolution_minutes_from_hours(hours)
    row = DeskSettings.objects.select_for_update().filter(pk=1).first()
    created = row is None
    row = row or DeskSettings(pk=1)
    before = row.default_resolution_minutes
    if not created and before == minutes:
        return row
    row.default_resolution_minutes = minutes
    row.updated_by = by
    row.save()
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=row,
        fields=["default_resolution_minutes"],
        detail=f"{before} -> {minutes}",
    )
    reclock_open_cases()
    return row


def reclock_open_cases() -> int:
    """Recompute the resolution due time of every open case with a team from its history (opened
    at, pauses while waiting for the customer) and the targets now in force; returns how many
    changed. The first-response due time of an answered case stays as it was."""
    from stammkunde.service.services import clocking, desk_settings

    changed = []
    with desk_settings.batch_settings():
        cases = Case.objects.filter(status__in=ACTIVE_STATUSES, team__isnull=False).select_related(
            "team"
        )
        for case in cases.iterator(chunk_size=500):
            if "resolution_due_at" in clocking.refresh_due_times(case):
                changed.append(case)
    Case.objects.bulk_update(changed, ["resolution_due_at"], batch_size=500)
    return len(changed)
