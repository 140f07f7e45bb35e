"""Team leads' changes to teams, routing rules and absences (each audited)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.business_hours import CalendarError
from stammkunde.service.models import Absence, RoutingRule, Team, TeamMember

TEAM_FIELDS = frozenset(
    {
        "name",
        "opening_hours",
        "subdivision",
        "company_holidays",
        "first_response_minutes",
        "resolution_minutes",
        "warn_before_minutes",
        "escalate_on_breach",
        "assignment",
    }
)
RULE_FIELDS = frozenset(
    {
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
    }
)


class TeamError(ValueError):
    """A change to a team that cannot be made; the message is meant for the team lead."""


@transaction.atomic
def update_team(team: Team, *, by: Any, changes: Mapping[str, Any]) -> Team:
    """Change a team's settings; its calendar must stay usable (checked before saving)."""
    unknown = set(changes) - TEAM_FIELDS
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
    unknown = set(values) - RULE_FIELDS
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


@transaction.atomic
def record_absence(
    *, user: Any, starts: datetime, ends: datetime, substitute: Any = None, by: Any, note: str = ""
) -> Absence:
    """Note that ``user`` is away; the desk's job hands their cases over while it lasts."""
    if ends <= starts:
        raise TeamError(_("An absence must end after it starts."))
    if substitute is not None and substitute.pk == user.pk:
        raise TeamError(_("Nobody can stand in for themselves."))
    absence = Absence.objects.create(
        user=user, starts=starts, ends=ends, substitute=substitute, note=note
    )
    audit(actor=by, action=AuditAction.CREATE, obj=absence, detail=str(user))
    return absence
