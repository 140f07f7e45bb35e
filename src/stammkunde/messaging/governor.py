"""The contact-pressure governor's rules, as one pure function (no database).

"Tu nichts, was Deinen Kunden belästigt": every message that is not transactional is decided at
send time against what the customer already got, whether they reacted, their open cases and
complaints, their lifecycle and their local time. The answer is send, delay until T, or
suppress, always with the rule that decided and a reason staff can read in their language.

Rules, in the order they are applied (the first that suppresses wins):

1. transactional messages are never held back (the decision still records them);
2. an open service case holds back all marketing (a contact hold set by the service desk),
   and so does a pause the customer chose in the preference centre;
3. a complaint in the last 30 days (or one still open) holds back marketing and feedback;
4. feedback requests name their order, and each order is asked about once;
5. inactive and former customers get promotional messages only rarely;
6. a customer who ignored the last N messages gets at most one per back-off period;
7. limits per 7 and 30 days, a minimum gap, one feedback request per 30 days: a message over a
   limit is delayed until the limit frees up if its purpose may wait and the wait is short,
   else suppressed;
8. quiet hours in the customer's time zone delay the message until they end.

A delayed message is decided again when it comes due: holds may have changed in the meantime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats

from stammkunde.messaging.governor_terms import (
    DATETIME_PARAMS,
    OUTCOME_TEXTS,
    PROMOTIONAL,
    RULE_TEXTS,
    HoldKind,
    Lifecycle,
    Outcome,
    Purpose,
    Rule,
)

# The vocabulary lives in governor_terms; callers keep importing it from here.
__all__ = [
    "DATETIME_PARAMS",
    "OUTCOME_TEXTS",
    "PROMOTIONAL",
    "RULE_TEXTS",
    "ContactHold",
    "Decision",
    "GovernorError",
    "GovernorSettings",
    "HoldKind",
    "Lifecycle",
    "Outcome",
    "PastSend",
    "Purpose",
    "Rule",
    "SendRequest",
    "decide",
]

DEFAULT_TIME_ZONE = "Europe/Berlin"


class GovernorError(ValueError):
    """An input the governor cannot decide on; the message says which."""


@dataclass(frozen=True)
class PastSend:
    """A message the customer got. ``engaged`` None means unknown (no tracking)."""

    purpose: Purpose
    sent_at: datetime
    engaged: bool | None = None
    order_id: str | None = None


@dataclass(frozen=True)
class ContactHold:
    """Set by the service desk: an open case, or a complaint. Released when solved."""

    kind: HoldKind
    started_at: datetime
    released_at: datetime | None = None


@dataclass(frozen=True)
class GovernorSettings:
    """The limits; the defaults are the restrained ones the product ships with."""

    max_promotional_per_7_days: int = 2
    max_promotional_per_30_days: int = 6
    minimum_gap: timedelta = timedelta(hours=48)
    feedback_interval: timedelta = timedelta(days=30)
    complaint_quiet_period: timedelta = timedelta(days=30)
    quiet_hours_start: time = time(20, 0)
    quiet_hours_end: time = time(8, 0)
    ignored_in_a_row: int = 3
    back_off_period: timedelta = timedelta(days=30)
    # A message younger than this has not had its chance yet: neither engaged nor ignored.
    engagement_window: timedelta = timedelta(days=7)
    inactive_interval: timedelta = timedelta(days=30)
    former_interval: timedelta = timedelta(days=90)
    # Over a limit, these purposes wait (if the wait is at most max_delay); others are dropped:
    # a newsletter is news only on its day.
    delayable_purposes: frozenset = frozenset(
        {Purpose.FEEDBACK, Purpose.RECOMMENDATION, Purpose.REACTIVATION}
    )
    max_delay: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        for name in ("max_promotional_per_7_days", "max_promotional_per_30_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise GovernorError(f"{name} must be a whole number of zero or more")
        if self.ignored_in_a_row < 1:
            raise GovernorError("ignored_in_a_row must be at least 1")
        for name, value in vars(self).items():
            if isinstance(value, timedelta) and value < timedelta(0):
                raise GovernorError(f"{name} must not be negative")


DEFAULT_SETTINGS = GovernorSettings()


@dataclass(frozen=True)
class SendRequest:
    """One message about to go to one customer, and what is known about their contacts."""

    purpose: Purpose
    at: datetime
    recent_sends: Sequence[PastSend] = ()
    holds: Sequence[ContactHold] = ()
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    time_zone: str = DEFAULT_TIME_ZONE
    order_id: str | None = None


@dataclass(frozen=True)
class Decision:
    """The governor's answer. ``rule`` and ``params`` are what gets stored; ``reason`` is
    rendered from them in the active language whenever it is read."""

    outcome: Outcome
    rule: Rule
    send_at: datetime | None
    params: dict = field(default_factory=dict)
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def reason(self) -> str:
        zone = _zone(self.time_zone)
        values = {
            key: formats.date_format(value.astimezone(zone), "SHORT_DATETIME_FORMAT")
            if isinstance(value, datetime)
            else value
            for key, value in self.params.items()
        }
        rule_text = RULE_TEXTS[self.rule] % values
        until = values.get("until", "")
        return OUTCOME_TEXTS[self.outcome] % {"rule": rule_text, "until": until}

    def as_record(self) -> dict[str, Any]:
        """The decision as JSON-ready values, for storing it (instants as ISO 8601 text)."""
        return {
            "outcome": str(self.outcome),
            "rule": str(self.rule),
            "send_at": self.send_at.isoformat() if self.send_at else None,
            "params": {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in self.params.items()
            },
            "time_zone": self.time_zone,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Decision:
        """A stored decision back, so that its reason renders in the reader's language."""
        params = {
            key: datetime.fromisoformat(value)
            if key in DATETIME_PARAMS and isinstance(value, str)
            else value
            for key, value in record.get("params", {}).items()
        }
        send_at = record.get("send_at")
        return cls(
            outcome=Outcome(record["outcome"]),
            rule=Rule(record["rule"]),
            send_at=datetime.fromisoformat(send_at) if send_at else None,
            params=params,
            time_zone=record.get("time_zone") or DEFAULT_TIME_ZONE,
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # A customer's zone comes from shop data; an unknown one must not stop a campaign.
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _check(request: SendRequest) -> Purpose:
    try:
        purpose = Purpose(request.purpose)
    except ValueError as error:
        raise GovernorError(f"unknown purpose {request.purpose!r}") from error
    moments = [("at", request.at)]
    moments += [("a recent send", send.sent_at) for send in request.recent_sends]
    moments += [("a contact hold", hold.started_at) for hold in request.holds]
    for name, moment in moments:
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise GovernorError(f"the time of {name} must be a time-zone aware datetime")
    return purpose


def decide(request: SendRequest, settings: GovernorSettings | None = None) -> Decision:
    """Send, delay or suppress this message, with the rule that decided and its parameters."""
    settings = settings or DEFAULT_SETTINGS
    purpose = _check(request)
    at = request.at

    def result(outcome: Outcome, rule: Rule, send_at=None, **params) -> Decision:
        return Decision(outcome, rule, send_at, params, time_zone=request.time_zone)

    def suppress(rule: Rule, **params) -> Decision:
        return result(Outcome.SUPPRESS, rule, **params)

    if purpose is Purpose.TRANSACTIONAL:
        return result(Outcome.SEND, Rule.TRANSACTIONAL, at)

    for hold in request.holds:
        if hold.kind == HoldKind.OPEN_CASE and _active(hold, at):
            return suppress(Rule.OPEN_CASE)
    for hold in request.holds:
        if hold.kind == HoldKind.PAUSED and _active(hold, at):
            return suppress(Rule.PAUSED, until=hold.released_at)
    for hold in request.holds:
        recent = at - hold.started_at < settings.complaint_quiet_period
        if hold.kind == HoldKind.COMPLAINT and (_active(hold, at) or recent):
            days = settings.complaint_quiet_period.days
            return suppress(Rule.RECENT_COMPLAINT, date=hold.started_at, days=days)

    # Only what was sent before this moment counts; the list may hold later rows on a replay.
    promotional = sorted(
        (
            send
            for send in request.recent_sends
            if send.purpose in PROMOTIONAL and send.sent_at <= at
        ),
        key=lambda send: send.sent_at,
    )
    if purpose is Purpose.FEEDBACK:
        if not request.order_id:
            return suppress(Rule.FEEDBACK_WITHOUT_ORDER)
        if any(
            send.purpose == Purpose.FEEDBACK and str(send.order_id) == str(request.order_id)
            for send in promotional
        ):
            return suppress(Rule.FEEDBACK_ONCE_PER_ORDER, order=request.order_id)

    last = promotional[-1].sent_at if promotional else None
    rare = {
        Lifecycle.INACTIVE: (Rule.INACTIVE_CUSTOMER, settings.inactive_interval),
        Lifecycle.FORMER: (Rule.FORMER_CUSTOMER, settings.former_interval),
    }.get(Lifecycle(request.lifecycle))
    if rare and last is not None and at - last < rare[1]:
        return suppress(rare[0], days=rare[1].days)

    if _backing_off(promotional, at, settings):
        return _back_off(result, settings)

    rule, earliest, params = _limits(purpose, promotional, at, settings)
    if rule is not None:
        delayable = purpose in settings.delayable_purposes
        if not delayable or earliest - at > settings.max_delay:
            return suppress(rule, **params)
    else:
        rule, earliest = Rule.WITHIN_LIMITS, at

    quiet_end = _quiet_hours_end(earliest, _zone(request.time_zone), settings)
    if quiet_end is not None:
        earliest = quiet_end
        if rule is Rule.WITHIN_LIMITS:
            rule = Rule.QUIET_HOURS
            params = {
                "start": settings.quiet_hours_start.strftime("%H:%M"),
                "end": settings.quiet_hours_end.strftime("%H:%M"),
            }
    if earliest > at:
        # By the later time more of the past sends have had their chance: if they count as
        # ignored then, the delay would only end in the back-off. Say so now.
        if _backing_off(promotional, earliest, settings):
            return _back_off(result, settings)
        return result(Outcome.DELAY, rule, earliest, until=earliest, **params)
    return result(Outcome.SEND, Rule.WITHIN_LIMITS, at)


def _backing_off(sends: list[PastSend], at: datetime, settings: GovernorSettings) -> bool:
    """True if the customer ignored the last N messages and got one within the back-off."""
    if not sends or at - sends[-1].sent_at >= settings.back_off_period:
        return False
    return _ignored_in_a_row(sends, at, settings)


def _back_off(result, settings: GovernorSettings) -> Decision:
    days = settings.back_off_period.days
    return result(
        Outcome.SUPPRESS, Rule.IGNORED_BACK_OFF, count=settings.ignored_in_a_row, days=days
    )


def _active(hold: ContactHold, at: datetime) -> bool:
    return hold.started_at <= at and (hold.released_at is None or hold.released_at > at)


def _ignored_in_a_row(sends: list[PastSend], at: datetime, settings: GovernorSettings) -> bool:
    """True if the last N messages that had their chance were all known to be ignored."""
    judged = [send for send in sends if at - send.sent_at >= settings.engagement_window]
    last = judged[-settings.ignored_in_a_row :]
    return len(last) == settings.ignored_in_a_row and all(send.engaged is False for send in last)


def _limits(
    purpose: Purpose, sends: list[PastSend], at: datetime, settings: GovernorSettings
) -> tuple[Rule | None, datetime, dict]:
    """The binding time limit: the rule that pushes the message furthest, and to when."""
    candidates: list[tuple[datetime, Rule, dict]] = []
    if purpose is Purpose.FEEDBACK:
        asked = [send.sent_at for send in sends if send.purpose == Purpose.FEEDBACK]
        if asked and at - asked[-1] < settings.feedback_interval:
            frees_at = asked[-1] + settings.feedback_interval
            days = settings.feedback_interval.days
            candidates.append((frees_at, Rule.FEEDBACK_PER_30_DAYS, {"days": days}))
    for rule, window, limit in (
        (Rule.WEEKLY_LIMIT, timedelta(days=7), settings.max_promotional_per_7_days),
        (Rule.MONTHLY_LIMIT, timedelta(days=30), settings.max_promotional_per_30_days),
    ):
        in_window = [send.sent_at for send in sends if at - send.sent_at < window]
        if len(in_window) >= limit:
            # The window frees up when enough of the oldest sends in it have left it.
            leaving = in_window[len(in_window) - limit] if limit else None
            frees_at = leaving + window if leaving else datetime.max.replace(tzinfo=at.tzinfo)
            candidates.append((frees_at, rule, {"count": len(in_window), "limit": limit}))
    if sends and at - sends[-1].sent_at < settings.minimum_gap:
        hours = int(settings.minimum_gap.total_seconds() // 3600)
        candidates.append(
            (sends[-1].sent_at + settings.minimum_gap, Rule.MINIMUM_GAP, {"hours": hours})
        )
    if not candidates:
        return None, at, {}
    frees_at, rule, params = max(candidates, key=lambda candidate: candidate[0])
    return rule, frees_at, params


def _quiet_hours_end(
    moment: datetime, zone: ZoneInfo, settings: GovernorSettings
) -> datetime | None:
    """When the quiet hours around ``moment`` end in the customer's zone; None outside them."""
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    if start == end:
        return None
    local = moment.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside, ends_tomorrow = start <= clock < end, False
    else:
        inside, ends_tomorrow = clock >= start or clock < end, clock >= start
    if not inside:
        return None
    day = local.date() + timedelta(days=1 if ends_tomorrow else 0)
    return datetime.combine(day, end, tzinfo=zone)
