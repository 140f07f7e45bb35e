"""The response clock of one case (no database): when the first response and the resolution
are due, given the team's calendar, its standard and the pauses while the case waited for the
customer. Built on ``business_hours``; the services store the results on the case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stammkunde.service.business_hours import (
    BusinessCalendar,
    Pause,
    add_business_minutes,
    same_business_day_due,
)


@dataclass(frozen=True)
class Standard:
    """A promise in business minutes; ``first_response_minutes`` None: the same business day,
    ``resolution_minutes`` None: no resolution target."""

    first_response_minutes: int | None = None
    resolution_minutes: int | None = None


@dataclass(frozen=True)
class DueTimes:
    first_response: datetime | None
    resolution: datetime | None


def due_times(
    calendar: BusinessCalendar,
    opened_at: datetime,
    standard: Standard,
    *,
    pauses: Iterable[Pause] = (),
) -> DueTimes:
    """Both due times of a case opened at ``opened_at``; None while a running pause (waiting
    for the customer) stops the clock before the time is used up."""
    pauses = list(pauses)
    if standard.first_response_minutes is None:
        first = same_business_day_due(calendar, opened_at, pauses=pauses)
    else:
        first = add_business_minutes(
            calendar, opened_at, standard.first_response_minutes, pauses=pauses
        )
    resolution = None
    if standard.resolution_minutes is not None:
        resolution = add_business_minutes(
            calendar, opened_at, standard.resolution_minutes, pauses=pauses
        )
    return DueTimes(first, resolution)


def pauses_from_json(stored: Sequence[Sequence[str | None]]) -> list[Pause]:
    """The pauses as a case stores them ([[ISO start, ISO end or null], ...])."""
    return [
        (datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
        for start, end in stored
    ]


def pause_to_json(start: datetime, end: datetime | None) -> list[str | None]:
    return [start.isoformat(), end.isoformat() if end else None]


class DueState:
    """How a due time looks now: fine, due soon (warn), or overdue."""

    NONE = "none"
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def due_state(due: datetime | None, now: datetime, *, warn_before: timedelta) -> str:
    """Classify a due time against ``now`` (a warning ``warn_before`` ahead, in real time)."""
    if due is None:
        return DueState.NONE
    if now >= due:
        return DueState.OVERDUE
    if now >= due - warn_before:
        return DueState.DUE_SOON
    return DueState.OK
