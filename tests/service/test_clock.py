"""The response clock of a case: standards in business hours, pauses, due states."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from stammkunde.service.business_hours import BusinessCalendar, weekday_hours
from stammkunde.service.clock import (
    DueState,
    Standard,
    due_state,
    due_times,
    pause_to_json,
    pauses_from_json,
)

BERLIN_9_TO_17 = BusinessCalendar(opening_hours=weekday_hours(time(9), time(17)), subdivision="BY")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    # December 2026 in Berlin is UTC+1: 09:00 local is 08:00 UTC.
    return datetime(2026, 12, day, hour - 1, minute, tzinfo=UTC)


def test_the_default_standard_is_the_same_business_day():
    # Thursday 3 December, 10:00 -> due at 17:00 the same day.
    due = due_times(BERLIN_9_TO_17, at(3, 10), Standard())
    assert due.first_response == at(3, 17)
    assert due.resolution is None


def test_a_mail_on_friday_evening_is_due_on_monday():
    due = due_times(BERLIN_9_TO_17, at(4, 18), Standard(first_response_minutes=120))
    assert due.first_response == at(7, 11)


def test_christmas_holidays_do_not_count():
    # 24 December 2026 is a Thursday (open), 25 and 26 are holidays, 27 a Sunday.
    due = due_times(
        BERLIN_9_TO_17, at(24, 16), Standard(first_response_minutes=120, resolution_minutes=480)
    )
    assert due.first_response == at(28, 10)
    assert due.resolution == at(28, 16)


def test_waiting_for_the_customer_stops_the_clock_and_moves_the_due_time():
    opened = at(3, 10)
    running = due_times(
        BERLIN_9_TO_17, opened, Standard(resolution_minutes=240), pauses=[(at(3, 11), None)]
    )
    assert running.resolution is None
    resumed = due_times(
        BERLIN_9_TO_17,
        opened,
        Standard(resolution_minutes=240),
        pauses=[(at(3, 11), at(3, 13))],
    )
    assert resumed.resolution == at(3, 16)


def test_pauses_survive_their_json_form():
    pauses = [pause_to_json(at(3, 11), at(3, 12)), pause_to_json(at(3, 14), None)]
    assert pauses_from_json(pauses) == [(at(3, 11), at(3, 12)), (at(3, 14), None)]


def test_due_states():
    now = at(3, 12)
    hour = timedelta(hours=1)
    assert due_state(None, now, warn_before=hour) == DueState.NONE
    assert due_state(at(3, 15), now, warn_before=hour) == DueState.OK
    assert due_state(at(3, 12, 30), now, warn_before=hour) == DueState.DUE_SOON
    assert due_state(at(3, 12), now, warn_before=hour) == DueState.OVERDUE
