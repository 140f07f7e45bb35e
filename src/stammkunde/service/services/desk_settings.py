"""The desk's settings as routing and the response clock read them: the active routing rules,
the default team, the response standards and the default resolution target (``DeskSettings``),
team calendars, who is away and the teams' members.

Intake opens up to a hundred cases in one transaction, and each new case read the same rules,
standards, absences and team members again (five or six queries a case). Inside
``batch_settings()`` each setting is read once and kept until the block ends; outside it
every call reads the database, as before. The block spans one intake batch (one transaction,
about a second), so nothing outlives the batch or is shared between processes. A change of a
kept setting inside the block (a rule, a team, a member, a standard, an absence saved or
deleted, through a service or the admin) drops what was kept, so the next read sees it
(``forget``, connected to the models' signals by ``ServiceConfig.ready``); a user deactivated
meanwhile may still get a case of this batch, as one assigned a second earlier would have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stammkunde.service.clock import Standard
from stammkunde.service.models import (
    Absence,
    DeskSettings,
    ResponseStandard,
    RoutingRule,
    Team,
    TeamMember,
)
from stammkunde.service.models.desk import DEFAULT_RESOLUTION_MINUTES


@dataclass
class _Kept:
    rules: list[RoutingRule] | None = None
    default_team: tuple[Team | None] | None = None
    standards: dict[tuple[int, str], Standard] | None = None
    default_resolution: int | None = None
    calendars: dict[int, Any] = field(default_factory=dict)
    # Absences ending after ``absences_from`` (start, end, user id): enough to answer "who is
    # away at t" for every t from then on.
    absences_from: datetime | None = None
    absences: list[tuple[datetime, datetime, int]] = field(default_factory=list)
    # The members who take cases (active, their user active), by team id; round robin marks
    # ``last_assigned_at`` on these rows as it writes it to the database.
    members: dict[int, list[TeamMember]] = field(default_factory=dict)


_kept: ContextVar[_Kept | None] = ContextVar("desk_settings", default=None)


@contextmanager
def batch_settings() -> Iterator[None]:
    """Keep the settings read inside the block until it ends (one intake batch)."""
    token = _kept.set(_Kept())
    try:
        yield
    finally:
        _kept.reset(token)


def forget(**_signal: Any) -> None:
    """Drop what the current block kept (a setting changed); a no-op outside a block."""
    if _kept.get() is not None:
        _kept.set(_Kept())


def active_rules() -> list[RoutingRule]:
    """The active routing rules in their order, with their teams."""
    kept = _kept.get()
    if kept is not None and kept.rules is not None:
        return kept.rules
    rules = list(RoutingRule.objects.filter(is_active=True).select_related("team"))
    if kept is not None:
        kept.rules = rules
    return rules


def default_team() -> Team | None:
    """The team that gets what no rule routes (None if there is none)."""
    kept = _kept.get()
    if kept is not None and kept.default_team is not None:
        return kept.default_team[0]
    team = Team.objects.filter(is_default=True).first()
    if kept is not None:
        kept.default_team = (team,)
    return team


def default_resolution_minutes() -> int:
    """The resolution target (business minutes) of a case whose team sets none: the team
    leads' setting, else (no row yet) ``DEFAULT_RESOLUTION_MINUTES``."""
    kept = _kept.get()
    if kept is not None and kept.default_resolution is not None:
        return kept.default_resolution
    row = DeskSettings.objects.filter(pk=1).only("default_resolution_minutes").first()
    minutes = row.default_resolution_minutes if row else DEFAULT_RESOLUTION_MINUTES
    if kept is not None:
        kept.default_resolution = minutes
    return minutes


def standard_for(team: Team, case_type: str) -> Standard:
    """The standard a case of ``case_type`` in ``team`` runs against, target by target: the
    type's own target, else the team's general one; else the first response is due the same
    business day and the resolution within the desk's default (``default_resolution_minutes``).
    """
    kept = _kept.get()
    specific: Standard | None
    if kept is None:
        row = ResponseStandard.objects.filter(team=team, case_type=case_type).first()
        specific = Standard(row.first_response_minutes, row.resolution_minutes) if row else None
    else:
        if kept.standards is None:
            kept.standards = {
                (row.team_id, row.case_type): Standard(
                    row.first_response_minutes, row.resolution_minutes
                )
                for row in ResponseStandard.objects.all()
            }
        specific = kept.standards.get((team.pk, case_type))
    specific = specific or Standard()
    first = specific.first_response_minutes or team.first_response_minutes
    resolution = (
        specific.resolution_minutes or team.resolution_minutes or default_resolution_minutes()
    )
    return Standard(first, resolution)


def calendar(team: Team) -> Any:
    """The team's business calendar (``Team.calendar``; raises ``CalendarError`` as it does).
    Kept per team inside a block: the team rows of one batch are the same."""
    kept = _kept.get()
    if kept is None:
        return team.calendar()
    if team.pk not in kept.calendars:
        kept.calendars[team.pk] = team.calendar()
    return kept.calendars[team.pk]


def absent_user_ids(now: datetime) -> set[int]:
    """Users away at ``now``."""
    kept = _kept.get()
    if kept is None:
        return set(
            Absence.objects.filter(starts__lte=now, ends__gt=now).values_list("user_id", flat=True)
        )
    if kept.absences_from is None or now < kept.absences_from:
        kept.absences_from = now
        kept.absences = list(
            Absence.objects.filter(ends__gt=now).values_list("starts", "ends", "user_id")
        )
    return {user_id for starts, ends, user_id in kept.absences if starts <= now < ends}


def team_members(team: Team) -> list[TeamMember] | None:
    """The members of ``team`` who take cases, their users with them, kept inside a block;
    None outside it (the caller asks the database)."""
    kept = _kept.get()
    if kept is None:
        return None
    if team.pk not in kept.members:
        kept.members[team.pk] = list(
            TeamMember.objects.filter(team=team, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("id")
        )
    return kept.members[team.pk]
