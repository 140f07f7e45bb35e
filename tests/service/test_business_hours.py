"""Business-time arithmetic: plain tests, no database. Dates are chosen by their weekday and
holiday: 2026-12-03 is a Thursday, 2026-03-29 and 2026-10-25 are the Sundays of the DST changes,
2026-06-04 is Fronleichnam, 2025-08-15 (a Friday) Mariä Himmelfahrt, 2025-10-31 (a Friday)
Reformationstag."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from stammkunde.service.business_hours import (
    BusinessCalendar,
    CalendarError,
    add_business_minutes,
    add_business_time,
    business_time_between,
    end_of_business_day,
    is_open,
    next_opening,
    same_business_day_due,
    weekday_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = weekday_hours(time(9), time(17))


def berlin(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def desk(subdivision="NW", **kwargs) -> BusinessCalendar:
    return BusinessCalendar(opening_hours=NINE_TO_FIVE, subdivision=subdivision, **kwargs)


# --- adding business time (due times) -------------------------------------------------------


def test_minutes_within_the_day_run_like_the_clock():
    assert add_business_minutes(desk(), berlin(2026, 11, 30, 10), 60) == berlin(2026, 11, 30, 11)


def test_time_left_at_closing_continues_next_morning():
    assert add_business_minutes(desk(), berlin(2026, 12, 3, 16, 30), 60) == berlin(
        2026, 12, 4, 9, 30
    )


def test_weekend_does_not_count():
    assert add_business_minutes(desk(), berlin(2026, 12, 4, 16), 120) == berlin(2026, 12, 7, 10)


def test_lunch_break_does_not_count():
    calendar = BusinessCalendar(
        opening_hours={0: [(time(13), time(17)), (time(9), time(12))]}, subdivision="NW"
    )
    assert add_business_minutes(calendar, berlin(2026, 11, 30, 11, 30), 60) == berlin(
        2026, 11, 30, 13, 30
    )


def test_message_arriving_on_saturday_starts_the_clock_on_monday_morning():
    assert add_business_minutes(desk(), berlin(2026, 12, 5, 10), 30) == berlin(2026, 12, 7, 9, 30)


def test_message_arriving_before_opening_starts_the_clock_at_opening():
    assert add_business_minutes(desk(), berlin(2026, 12, 1, 7), 0) == berlin(2026, 12, 1, 9)
    assert next_opening(desk(), berlin(2026, 12, 1, 7)) == berlin(2026, 12, 1, 9)
    assert next_opening(desk(), berlin(2026, 12, 1, 10)) == berlin(2026, 12, 1, 10)


def test_many_business_days_span_weekends():
    # 3 business days of 8 hours from Thursday 09:00: Thursday, Friday, Monday.
    assert add_business_minutes(desk(), berlin(2026, 12, 3, 9), 3 * 8 * 60) == berlin(
        2026, 12, 7, 17
    )


def test_instant_given_in_utc_gives_the_same_due_time():
    in_utc = berlin(2026, 12, 3, 16, 30).astimezone(UTC)
    assert add_business_minutes(desk(), in_utc, 60) == berlin(2026, 12, 4, 9, 30)


# --- public holidays per Bundesland and company holidays ----------------------------------


def test_fronleichnam_closes_bavaria_but_not_berlin():
    wednesday_afternoon = berlin(2026, 6, 3, 16)
    assert add_business_minutes(desk("BY"), wednesday_afternoon, 120) == berlin(2026, 6, 5, 10)
    assert add_business_minutes(desk("BE"), wednesday_afternoon, 120) == berlin(2026, 6, 4, 10)


def test_maria_himmelfahrt_closes_bavaria_through_the_catholic_category():
    thursday_afternoon = berlin(2025, 8, 14, 16)
    assert add_business_minutes(desk("BY"), thursday_afternoon, 120) == berlin(2025, 8, 18, 10)
    assert add_business_minutes(desk("NW"), thursday_afternoon, 120) == berlin(2025, 8, 15, 10)
    public_only = desk("BY", holiday_categories=("public",))
    assert add_business_minutes(public_only, thursday_afternoon, 120) == berlin(2025, 8, 15, 10)


def test_reformationstag_closes_hamburg_but_not_bavaria():
    assert desk("HH").is_closed_day(date(2025, 10, 31)) is True
    assert desk("BY").is_closed_day(date(2025, 10, 31)) is False


def test_buss_und_bettag_only_in_saxony():
    assert desk("SN").is_closed_day(date(2026, 11, 18)) is True
    assert desk("TH").is_closed_day(date(2026, 11, 18)) is False


def test_nationwide_holidays_without_a_bundesland():
    calendar = desk(None)
    assert calendar.is_closed_day(date(2026, 12, 25)) is True
    assert calendar.is_closed_day(date(2025, 10, 3)) is True  # a Friday, Day of German Unity
    assert calendar.is_closed_day(date(2026, 6, 4)) is False  # Fronleichnam is regional


def test_company_holidays_between_the_years():
    calendar = desk("NW", company_holidays=[(date(2026, 12, 24), date(2026, 12, 31))])
    # 24th to 31st company holiday, 1 January public holiday, 2/3 January a weekend.
    assert add_business_minutes(calendar, berlin(2026, 12, 23, 16), 120) == berlin(2027, 1, 4, 10)
    without = desk("NW")
    assert add_business_minutes(without, berlin(2026, 12, 23, 16), 120) == berlin(2026, 12, 24, 10)


def test_single_company_holiday_date():
    calendar = desk("NW", company_holidays=[date(2026, 12, 4)])
    assert add_business_minutes(calendar, berlin(2026, 12, 3, 16), 120) == berlin(2026, 12, 7, 10)


# --- daylight saving time ------------------------------------------------------------------


def test_due_time_across_the_march_change_keeps_local_opening_hours():
    # Friday 16:00 CET (15:00 UTC); Monday 10:00 is CEST, so 08:00 UTC.
    due = add_business_minutes(desk(), berlin(2026, 3, 27, 16), 120)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_due_time_across_the_october_change_keeps_local_opening_hours():
    # Friday 16:00 CEST (14:00 UTC); Monday 10:00 is CET, so 09:00 UTC.
    due = add_business_minutes(desk(), berlin(2026, 10, 23, 16), 120)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_desk_open_around_the_clock_has_a_23_hour_day_in_march_and_25_in_october():
    always = BusinessCalendar(
        opening_hours=weekday_hours(time(0), time(0), range(7)), subdivision="NW"
    )
    march = business_time_between(always, berlin(2026, 3, 28), berlin(2026, 3, 30))
    october = business_time_between(always, berlin(2026, 10, 24), berlin(2026, 10, 26))
    assert march == timedelta(hours=47)
    assert october == timedelta(hours=49)
    assert add_business_time(always, berlin(2026, 3, 29), timedelta(hours=23)) == berlin(
        2026, 3, 30
    )


# --- elapsed business time -----------------------------------------------------------------


def test_elapsed_over_a_weekend():
    assert business_time_between(desk(), berlin(2026, 12, 4, 16), berlin(2026, 12, 7, 10)) == (
        timedelta(hours=2)
    )


def test_elapsed_over_a_working_week():
    elapsed = business_time_between(desk(), berlin(2026, 11, 30, 9), berlin(2026, 12, 4, 17))
    assert elapsed == timedelta(hours=40)


def test_elapsed_over_christmas_skips_the_public_holidays():
    # Open: 21, 22, 23, 24, 28, 29, 30, 31 December; closed 25 December and 1 January.
    elapsed = business_time_between(desk(), berlin(2026, 12, 21, 9), berlin(2027, 1, 4, 9))
    assert elapsed == timedelta(hours=8 * 8)


def test_elapsed_outside_hours_is_zero():
    assert business_time_between(desk(), berlin(2026, 12, 5, 8), berlin(2026, 12, 6, 20)) == (
        timedelta(0)
    )


# --- pauses (waiting for the customer) -----------------------------------------------------


def test_pause_stops_the_clock_and_moves_the_due_time():
    # 4 hours from Monday 09:00; waiting for the customer from 10:00 until Tuesday 11:00.
    pause = (berlin(2026, 11, 30, 10), berlin(2026, 12, 1, 11))
    due = add_business_minutes(desk(), berlin(2026, 11, 30, 9), 240, pauses=[pause])
    assert due == berlin(2026, 12, 1, 14)
    elapsed = business_time_between(
        desk(), berlin(2026, 11, 30, 9), berlin(2026, 12, 1, 12), pauses=[pause]
    )
    assert elapsed == timedelta(hours=2)


def test_running_pause_means_no_due_time_yet():
    pause = (berlin(2026, 11, 30, 10), None)
    assert add_business_minutes(desk(), berlin(2026, 11, 30, 9), 240, pauses=[pause]) is None
    # Time used before the pause still counts; nothing after it does.
    elapsed = business_time_between(
        desk(), berlin(2026, 11, 30, 9), berlin(2026, 12, 2, 12), pauses=[pause]
    )
    assert elapsed == timedelta(hours=1)


def test_running_pause_after_the_due_time_changes_nothing():
    pause = (berlin(2026, 11, 30, 15), None)
    due = add_business_minutes(desk(), berlin(2026, 11, 30, 9), 60, pauses=[pause])
    assert due == berlin(2026, 11, 30, 10)


def test_overlapping_pauses_count_once():
    pauses = [
        (berlin(2026, 11, 30, 10, 30), berlin(2026, 11, 30, 12)),
        (berlin(2026, 11, 30, 10), berlin(2026, 11, 30, 11)),
    ]
    elapsed = business_time_between(
        desk(), berlin(2026, 11, 30, 9), berlin(2026, 11, 30, 17), pauses=pauses
    )
    assert elapsed == timedelta(hours=6)


def test_pause_outside_opening_hours_changes_nothing():
    pause = (berlin(2026, 12, 5, 9), berlin(2026, 12, 6, 18))
    due = add_business_minutes(desk(), berlin(2026, 12, 4, 16), 120, pauses=[pause])
    assert due == berlin(2026, 12, 7, 10)


# --- the same-business-day standard --------------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "expected"),
    [
        (berlin(2026, 11, 30, 10), berlin(2026, 11, 30, 17)),  # during hours
        (berlin(2026, 11, 30, 7), berlin(2026, 11, 30, 17)),  # before opening
        (berlin(2026, 11, 30, 18), berlin(2026, 12, 1, 17)),  # after closing
        (berlin(2026, 12, 4, 17), berlin(2026, 12, 7, 17)),  # exactly at Friday's closing
        (berlin(2026, 12, 5, 11), berlin(2026, 12, 7, 17)),  # on a Saturday
        (berlin(2026, 12, 24, 18), berlin(2026, 12, 28, 17)),  # before Christmas
    ],
)
def test_same_business_day_target(arrived, expected):
    assert same_business_day_due(desk(), arrived) == expected
    assert end_of_business_day(desk(), arrived) == expected


def test_same_business_day_target_in_a_lunch_break():
    calendar = BusinessCalendar(
        opening_hours={0: [(time(9), time(12)), (time(13), time(17))]}, subdivision="NW"
    )
    assert same_business_day_due(calendar, berlin(2026, 11, 30, 12, 30)) == berlin(2026, 11, 30, 17)


def test_same_business_day_target_moves_by_the_pause():
    # Budget 7 hours from 10:00; 1 hour used, paused 11:00-16:00, then 1 hour Monday, 5 Tuesday.
    pause = (berlin(2026, 11, 30, 11), berlin(2026, 11, 30, 16))
    due = same_business_day_due(desk(), berlin(2026, 11, 30, 10), pauses=[pause])
    assert due == berlin(2026, 12, 1, 14)


def test_is_open():
    assert is_open(desk(), berlin(2026, 12, 3, 10)) is True
    assert is_open(desk(), berlin(2026, 12, 3, 17)) is False
    assert is_open(desk(), berlin(2026, 12, 5, 10)) is False
    assert is_open(desk(), berlin(2026, 12, 25, 10)) is False


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opening_hours": {}}, "no opening hours"),
        ({"opening_hours": {7: [(time(9), time(17))]}}, "A weekday is 0"),
        ({"opening_hours": {0: [(time(17), time(9))]}}, "not before closing"),
        ({"opening_hours": {0: [(time(9), time(13)), (time(12), time(17))]}}, "overlap"),
        ({"opening_hours": NINE_TO_FIVE, "subdivision": "XX"}, "Unknown federal state"),
        ({"opening_hours": NINE_TO_FIVE, "time_zone": "Mars/Olympus"}, "Unknown time zone"),
        (
            {
                "opening_hours": NINE_TO_FIVE,
                "company_holidays": [(date(2026, 2, 1), date(2026, 1, 1))],
            },
            "end before they start",
        ),
    ],
)
def test_bad_calendar_is_refused_with_a_reason(kwargs, message):
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar(**kwargs)


def test_calendar_problems_are_explained_in_german():
    from django.utils import translation

    with translation.override("de"), pytest.raises(CalendarError) as caught:
        BusinessCalendar(opening_hours={0: [(time(17), time(9))]})
    assert str(caught.value) == "Montag: Öffnung um 17:00 liegt nicht vor Schließung um 09:00"


def test_naive_datetimes_are_refused():
    with pytest.raises(CalendarError, match="time-zone aware"):
        add_business_minutes(desk(), datetime(2026, 12, 3, 10), 60)


def test_negative_minutes_and_reversed_spans_are_refused():
    with pytest.raises(CalendarError, match="zero or more"):
        add_business_minutes(desk(), berlin(2026, 12, 3, 10), -5)
    with pytest.raises(CalendarError, match="before the start"):
        business_time_between(desk(), berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 9))
    with pytest.raises(CalendarError, match="ends before it starts"):
        business_time_between(
            desk(),
            berlin(2026, 12, 3, 9),
            berlin(2026, 12, 3, 10),
            pauses=[(berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 9))],
        )


def test_calendar_closed_for_years_fails_instead_of_looping():
    calendar = desk("NW", company_holidays=[(date(2026, 1, 1), date(2031, 12, 31))])
    with pytest.raises(CalendarError, match="closed for more than"):
        add_business_minutes(calendar, berlin(2026, 12, 3, 10), 60)
