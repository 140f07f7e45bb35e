"""The refund clock's arithmetic without a database (Mon-Fri 09:00-17:00, Bavaria)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from stammkunde.service.business_hours import BusinessCalendar, weekday_hours
from stammkunde.service.refund_deadline import RefundState, refund_due_at, refund_state

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = BusinessCalendar(weekday_hours(time(9), time(17)), subdivision="BY")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def test_return_on_a_tuesday_is_due_by_wednesday_close():
    assert refund_due_at(CALENDAR, at(2026, 12, 1, 10, 30)) == at(2026, 12, 2, 17)


def test_return_on_friday_afternoon_is_due_by_monday_close():
    assert refund_due_at(CALENDAR, at(2026, 12, 4, 16)) == at(2026, 12, 7, 17)


def test_christmas_holidays_do_not_count():
    # Wednesday 23 Dec 2026; 24th is a working day here, 25th/26th are holidays.
    assert refund_due_at(CALENDAR, at(2026, 12, 23, 11)) == at(2026, 12, 24, 17)
    assert refund_due_at(CALENDAR, at(2026, 12, 24, 11)) == at(2026, 12, 28, 17)


def test_warning_two_business_hours_before_then_overdue():
    due = at(2026, 12, 2, 17)
    assert refund_state(CALENDAR, due, at(2026, 12, 2, 9)) is RefundState.ON_TIME
    assert refund_state(CALENDAR, due, at(2026, 12, 2, 15)) is RefundState.WARNING
    assert refund_state(CALENDAR, due, at(2026, 12, 2, 17, 1)) is RefundState.OVERDUE


def test_the_evening_before_counts_business_time_only():
    # At 20:00 the day before, eight business hours are left: no warning yet.
    due = at(2026, 12, 2, 17)
    assert refund_state(CALENDAR, due, at(2026, 12, 1, 20)) is RefundState.ON_TIME
