"""Which team gets a new case, and which of its members: routing rules first (by position),
then the default team; inside a team round robin or the least loaded member, skipping
anybody who is away (their substitute or a colleague takes over)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from stammkunde.service.models import (
    ACTIVE_STATUSES,
    Absence,
    Assignment,
    Case,
    RoutingRule,
    Team,
    TeamMember,
)
from stammkunde.service.services import desk_settings


@dataclass(frozen=True)
class CaseFacts:
    """What routing rules look at, gathered once per new case. The customer's segment and
    value cost two queries and are read only when a rule asks for them."""

    case_type: str
    channel: str
    text: str  # subject and body, case-folded
    order_statuses: frozenset[str]
    customer_id: int

    @cached_property
    def _segment_and_value(self) -> tuple[str, Decimal]:
        return customer_value(self.customer_id)

    @property
    def segment(self) -> str:
        return self._segment_and_value[0]

    @property
    def customer_value(self) -> Decimal:
        return self._segment_and_value[1]


@dataclass(frozen=True)
class Route:
    team: Team | None
    rule: RoutingRule | None
    priority: str


def customer_value(customer_id: int) -> tuple[str, Decimal]:
    """The customer's RFM segment (from the last scoring run, may be "") and value: the
    revenue the scoring counted, or else the sum of their orders."""
    from stammkunde.analytics.models import CustomerScore
    from stammkunde.shop.models import Order

    score = (
        CustomerScore.objects.filter(customer_id=customer_id)
        .values("rfm_segment", "total_revenue")
        .first()
    )
    if score is not None:
        return score["rfm_segment"] or "", score["total_revenue"] or Decimal(0)
    total = Order.objects.filter(customer_id=customer_id, is_test=False).aggregate(
        value=Sum(F("total") - F("refunded_total"))
    )["value"]
    return "", total or Decimal(0)


def gather_facts(
    *, customer_id: int, case_type: str, channel: str, subject: str, body: str, orders: Sequence
) -> CaseFacts:
    return CaseFacts(
        case_type=case_type,
        channel=channel,
        text=f"{subject}\n{body}".casefold(),
        order_statuses=frozenset(order.status for order in orders),
        customer_id=customer_id,
    )


def rule_matches(rule: RoutingRule, facts: CaseFacts) -> bool:
    """True if every condition the rule sets holds for the case."""
    if rule.case_type and rule.case_type != facts.case_type:
        return False
    if rule.channel and rule.channel != facts.channel:
        return False
    if rule.order_status and rule.order_status not in facts.order_statuses:
        return False
    if rule.customer_segment and rule.customer_segment != facts.segment:
        return False
    if rule.min_customer_value is not None and facts.customer_value < rule.min_customer_value:
        return False
    words = rule.keyword_list()
    return not words or any(word.casefold() in facts.text for word in words)


def route(facts: CaseFacts) -> Route:
    """The first active rule that matches, else the default team (None if there is none)."""
    for rule in desk_settings.active_rules():
        if rule_matches(rule, facts):
            return Route(rule.team, rule, rule.set_priority)
    return Route(desk_settings.default_team(), None, "")


def absent_user_ids(now: datetime | None = None) -> set[int]:
    """Users away right now."""
    return desk_settings.absent_user_ids(now or timezone.now())


def pick_assignee(team: Team, *, exclude: Sequence[int] = (), now: datetime | None = None) -> Any:
    """The member of ``team`` who gets the next case (None if nobody is there), by the team's
    assignment mode. Round robin takes the member assigned longest ago and marks them."""
    if team.assignment == Assignment.NONE:
        return None
    now = now or timezone.now()
    away = absent_user_ids(now) | set(exclude)
    if team.assignment != Assignment.LEAST_LOADED:
        kept = desk_settings.team_members(team)
        if kept is not None:
            return _next_in_turn(kept, away=away, now=now)
    members = TeamMember.objects.filter(team=team, is_active=True, user__is_active=True).exclude(
        user_id__in=away
    )
    if team.assignment == Assignment.LEAST_LOADED:
        member = (
            members.annotate(
                load=Count(
                    "user__assigned_cases",
                    filter=Q(user__assigned_cases__status__in=ACTIVE_STATUSES),
                )
            )
            .order_by("load", F("last_assigned_at").asc(nulls_first=True), "id")
            .select_related("user")
            .first()
        )
    else:
        member = (
            members.order_by(F("last_assigned_at").asc(nulls_first=True), "id")
            .select_related("user")
            .first()
        )
    if member is None:
        return None
    TeamMember.objects.filter(pk=member.pk).update(last_assigned_at=now)
    return member.user


def _next_in_turn(members: list[TeamMember], *, away: set[int], now: datetime) -> Any:
    """Round robin over a batch's kept members: the order of the query in ``pick_assignee``
    (never assigned first, then assigned longest ago, then by id)."""
    present = [member for member in members if member.user_id not in away]
    if not present:
        return None
    member = min(
        present,
        key=lambda member: (
            member.last_assigned_at is not None,
            member.last_assigned_at.timestamp() if member.last_assigned_at else 0.0,
            member.pk,
        ),
    )
    TeamMember.objects.filter(pk=member.pk).update(last_assigned_at=now)
    member.last_assigned_at = now
    return member.user


def stand_in_for(user: Any, team: Team | None, *, now: datetime | None = None) -> Any:
    """Who takes ``user``'s cases while they are away: the substitute named on the absence
    (if not away too), else a colleague of the team; None if ``user`` is not away."""
    now = now or timezone.now()
    absence = (
        Absence.objects.filter(user=user, starts__lte=now, ends__gt=now)
        .select_related("substitute")
        .order_by("-ends")
        .first()
    )
    if absence is None:
        return None
    away = absent_user_ids(now)
    if absence.substitute is not None and absence.substitute_id not in away:
        return absence.substitute
    if team is None:
        return None
    return pick_assignee(team, exclude=[user.pk], now=now)


def cases_of_absent_assignees(now: datetime | None = None) -> list[Case]:
    """Active cases whose assignee is away now (the hand-over job moves them)."""
    away = absent_user_ids(now)
    if not away:
        return []
    return list(
        Case.objects.filter(assignee_id__in=away, status__in=ACTIVE_STATUSES).select_related(
            "team", "assignee", "customer"
        )
    )
