"""The case form's rate limit without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stammkunde.core.throttle import Window, retry_after

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
WINDOWS = (Window(timedelta(minutes=10), 3), Window(timedelta(days=1), 5))


def test_first_submissions_are_allowed():
    assert retry_after([], NOW, WINDOWS) is None
    assert retry_after([NOW - timedelta(minutes=1)] * 2, NOW, WINDOWS) is None


def test_fourth_within_ten_minutes_waits_until_the_oldest_ages_out():
    recent = [NOW - timedelta(minutes=8), NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
    assert retry_after(recent, NOW, WINDOWS) == timedelta(minutes=2)


def test_old_submissions_do_not_count_for_the_short_window():
    recent = [NOW - timedelta(minutes=30)] * 3
    assert retry_after(recent, NOW, WINDOWS) is None


def test_daily_window_stops_a_slow_bot():
    recent = [NOW - timedelta(hours=hours) for hours in (1, 2, 3, 4, 5)]
    wait = retry_after(recent, NOW, WINDOWS)
    assert wait == timedelta(hours=19)
