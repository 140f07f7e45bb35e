"""The service report's reads: response and resolution times, standards met, cases per type
and team over time, each team's figures, backlog by age, goodwill granted, limited to the
staff member's shops."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from stammkunde.service.models import (
    ACTIVE_STATUSES,
    Case,
    GoodwillGrant,
    GoodwillStatus,
)
from stammkunde.service.staff_scope import visible_cases, visible_goodwill

NO_TEAM = "\u2013"


@dataclass
class TeamFigures:
    """One team's figures in the period: what a lead compares team by team."""

    cases: int = 0
    first_response_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)
    first_response_met: list[bool] = field(default_factory=list)
    resolution_met: list[bool] = field(default_factory=list)
    open_now: int = 0


@dataclass(frozen=True)
class GoodwillGranted:
    kind: str
    currency: str
    count: int
    total: Decimal


@dataclass
class ServiceReport:
    first_response_hours: Any
    resolution_hours: Any
    first_response_met: float | None
    resolution_met: float | None
    per_type: dict[str, int]
    per_team: dict[str, int]
    weeks: list[str]
    per_week_by_type: dict[str, list[int]]
    backlog: dict[str, int]
    per_week_by_team: dict[str, list[int]] = field(default_factory=dict)
    teams: dict[str, TeamFigures] = field(default_factory=dict)
    goodwill: list[GoodwillGranted] = field(default_factory=list)


def service_report(
    *, since: datetime, now: datetime | None = None, by: Any = None
) -> ServiceReport:
    """Figures of the cases opened since ``since``: response and resolution times in business
    hours (median, p90), the share that met the standard, cases per type, team and week, and
    the current backlog by age. Counts only: no personal data is shown. Staff limited to shops
    (``by``) get the figures of their shops' customers' cases: a lead of shop A judges shop A's
    desk, and another shop's volume is not theirs to know."""
    from stammkunde.service.business_hours import CalendarError, business_time_between
    from stammkunde.service.clock import pauses_from_json
    from stammkunde.service.reporting import backlog_by_age, met_share, spread

    now = now or timezone.now()
    visible = visible_cases(Case.objects.all(), by)
    cases = list(
        visible.filter(opened_at__gte=since, merged_into__isnull=True)
        .select_related("team")
        .only(
            "opened_at",
            "first_response_at",
            "first_response_due_at",
            "solved_at",
            "resolution_due_at",
            "case_type",
            "pauses",
            "team",
        )
    )
    calendars: dict[int, Any] = {}
    first, resolution, first_met, resolution_met = [], [], [], []
    per_type: dict[str, int] = {}
    per_team: dict[str, int] = {}
    teams: dict[str, TeamFigures] = {}
    week_starts = []
    for case in cases:
        per_type[case.case_type] = per_type.get(case.case_type, 0) + 1
        team_name = case.team.name if case.team else NO_TEAM
        per_team[team_name] = per_team.get(team_name, 0) + 1
        team = teams.setdefault(team_name, TeamFigures())
        team.cases += 1
        week_starts.append((case.opened_at - timedelta(days=case.opened_at.weekday())).date())
        calendar = None
        if case.team is not None:
            if case.team_id not in calendars:
                try:
                    calendars[case.team_id] = case.team.calendar()
                except (CalendarError, ValueError):
                    calendars[case.team_id] = None
            calendar = calendars[case.team_id]

        def hours(end: datetime, case: Case = case, calendar: Any = calendar) -> float:
            if calendar is None:
                return (end - case.opened_at).total_seconds() / 3600
            pauses = pauses_from_json(case.pauses)
            return (
                business_time_between(calendar, case.opened_at, end, pauses=pauses).total_seconds()
                / 3600
            )

        if case.first_response_at is not None:
            first.append(hours(case.first_response_at))
            team.first_response_hours.append(first[-1])
            if case.first_response_due_at is not None:
                first_met.append(case.first_response_at <= case.first_response_due_at)
                team.first_response_met.append(first_met[-1])
        elif case.first_response_due_at is not None and case.first_response_due_at < now:
            first_met.append(False)
            team.first_response_met.append(False)
        if case.solved_at is not None:
            resolution.append(hours(case.solved_at))
            team.resolution_hours.append(resolution[-1])
            if case.resolution_due_at is not None:
                resolution_met.append(case.solved_at <= case.resolution_due_at)
                team.resolution_met.append(resolution_met[-1])
    weeks = sorted(set(week_starts))
    per_week_by_type = {case_type: [0] * len(weeks) for case_type in sorted(per_type)}
    index = {week: number for number, week in enumerate(weeks)}
    per_week_by_team = {name: [0] * len(weeks) for name in sorted(per_team)}
    for case, week in zip(cases, week_starts, strict=True):
        per_week_by_type[case.case_type][index[week]] += 1
        per_week_by_team[case.team.name if case.team else NO_TEAM][index[week]] += 1
    open_cases = list(
        visible.filter(status__in=ACTIVE_STATUSES).values_list("opened_at", "team__name")
    )
    for _opened, team_name in open_cases:
        teams.setdefault(team_name or NO_TEAM, TeamFigures()).open_now += 1
    open_since = [opened for opened, _team in open_cases]
    return ServiceReport(
        first_response_hours=spread(first),
        resolution_hours=spread(resolution),
        first_response_met=met_share(first_met),
        resolution_met=met_share(resolution_met),
        per_type=per_type,
        per_team=per_team,
        weeks=[week.isoformat() for week in weeks],
        per_week_by_type=per_week_by_type,
        backlog=backlog_by_age(open_since, now),
        per_week_by_team=per_week_by_team,
        teams=dict(sorted(teams.items())),
        goodwill=goodwill_granted(since=since, by=by),
    )


def goodwill_granted(*, since: datetime, by: Any = None) -> list[GoodwillGranted]:
    """Goodwill granted since ``since`` per kind and currency: how many, how much (asked for
    since then, as the goodwill report counts). Staff limited to shops get their shops'."""
    rows = (
        visible_goodwill(
            GoodwillGrant.objects.filter(status=GoodwillStatus.GRANTED, requested_at__gte=since),
            by,
        )
        .values("kind", "currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("kind", "currency")
    )
    return [
        GoodwillGranted(row["kind"], row["currency"], row["count"], row["total"] or Decimal(0))
        for row in rows
    ]
