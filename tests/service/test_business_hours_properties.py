"""Properties of the business-hours clock over many random instants (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.service.business_hours import (
    BusinessCalendar,
    add_business_minutes,
    business_time_between,
    is_open,
)

CALENDAR = BusinessCalendar(
    opening_hours={
        0: [(time(8), time(12)), (time(13), time(17))],
        1: [(time(8), time(12)), (time(13), time(17))],
        2: [(time(8), time(12)), (time(13), time(17))],
        3: [(time(8), time(12)), (time(13), time(17))],
        4: [(time(8), time(14))],
        5: [(time(10), time(13))],
    },
    subdivision="BY",
    company_holidays=[(date(2026, 12, 24), date(2026, 12, 31))],
)
# Instants over two years in UTC (both DST changes of each year included), to the minute.
instants = st.integers(min_value=0, max_value=2 * 365 * 24 * 60).map(
    lambda minutes: datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)
durations = st.integers(min_value=0, max_value=5 * 8 * 60)


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=durations)
def test_elapsed_time_up_to_the_due_time_is_the_time_added(start, minutes):
    due = add_business_minutes(CALENDAR, start, minutes)
    assert due >= start
    assert business_time_between(CALENDAR, start, due) == timedelta(minutes=minutes)


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=2400))
def test_due_time_lies_in_opening_hours(start, minutes):
    due = add_business_minutes(CALENDAR, start, minutes)
    # The last business minute ends at the due time: the minute before it was open.
    assert is_open(CALENDAR, due - timedelta(minutes=1)) is True


@settings(max_examples=100, deadline=None)
@given(
    start=instants,
    minutes=durations,
    pause_offset=st.integers(min_value=0, max_value=3 * 24 * 60),
    pause_length=st.integers(min_value=0, max_value=2 * 24 * 60),
)
def test_pauses_move_the_due_time_but_not_the_business_time(
    start, minutes, pause_offset, pause_length
):
    pause_start = start + timedelta(minutes=pause_offset)
    pause = (pause_start, pause_start + timedelta(minutes=pause_length))
    due = add_business_minutes(CALENDAR, start, minutes, pauses=[pause])
    assert due >= add_business_minutes(CALENDAR, start, minutes)
    elapsed = business_time_between(CALENDAR, start, due, pauses=[pause])
    assert elapsed == timedelta(minutes=minutes)
