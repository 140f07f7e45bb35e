"""The one rule for dates, times and amounts from outside (plain tests, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from stammkunde.core.plausible import Implausible, check_amount, check_day, check_moment

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLUS_14 = timezone(timedelta(hours=14))
MINUS_14 = timezone(timedelta(hours=-14))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        NOW + timedelta(hours=23),
        # 14:00 on the next day at +14:00 is still within a day from now in UTC.
        datetime(2026, 3, 2, 14, 0, tzinfo=PLUS_14),
    ],
)
def test_a_moment_from_1970_up_to_a_day_ahead_is_accepted(moment):
    assert check_moment(moment, "placed_at", now=NOW) is moment


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (datetime(1, 1, 1, tzinfo=PLUS_14), "is out of range."),
        (datetime(1, 1, 1, tzinfo=UTC), "is before 1970-01-01."),
        (datetime(1969, 12, 31, 23, 59, tzinfo=UTC), "is before 1970-01-01."),
        (datetime(1970, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "is before 1970-01-01."),
        (datetime(9999, 12, 31, 23, 0, tzinfo=MINUS_14), "is out of range."),
        (NOW + timedelta(days=1, seconds=1), "is more than a day in the future."),
        (datetime(2026, 3, 1, 12, 0), "has no time zone."),
    ],
)
def test_an_implausible_moment_names_the_field_and_the_reason(moment, reason):
    with pytest.raises(Implausible) as raised:
        check_moment(moment, "placed_at", now=NOW)
    assert (raised.value.field, raised.value.reason) == ("placed_at", reason)
    assert str(raised.value) == f"placed_at: {reason}"


def test_a_value_that_is_no_moment_is_refused():
    with pytest.raises(Implausible, match="is not a date and time"):
        check_moment("2026-03-01T12:00:00Z", "placed_at", now=NOW)


def test_a_birthday_may_be_old_but_not_before_1900_or_in_the_future():
    assert check_day(date(1921, 5, 4), "birthday", today=NOW.date()) == date(1921, 5, 4)
    with pytest.raises(Implausible, match=r"birthday: is before 1900-01-01\."):
        check_day(date(1, 1, 1), "birthday", today=NOW.date())
    with pytest.raises(Implausible, match=r"birthday: is in the future\."):
        check_day(date(2026, 3, 3), "birthday", today=NOW.date())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19.90", Decimal("19.90")),
        (0, Decimal("0")),
        (19.9, Decimal("19.9")),
        (Decimal("999999999999.99"), Decimal("999999999999.99")),
    ],
)
def test_an_amount_within_range_is_returned_as_decimal(value, expected):
    assert check_amount(value, "price") == expected


@pytest.mark.parametrize(
    ("value", "options", "reason"),
    [
        ("NaN", {}, "is not a finite number."),
        (Decimal("-Infinity"), {"signed": True}, "is not a finite number."),
        (float("inf"), {}, "is not a finite number."),
        ("-0.01", {}, "is negative."),
        ("1000000000000", {}, "is out of range (it must be below 1000000000000)."),
        ("-1e13", {"signed": True}, "is out of range (it must be below 1000000000000)."),
        ("1000001", {"maximum": Decimal("1000001")}, "is out of range (it must be below 1000001)."),
        ("12,50", {}, "is not an amount."),
        (True, {}, "is not an amount."),
        (None, {}, "is not an amount."),
        ([1], {}, "is not an amount."),
    ],
)
def test_an_implausible_amount_names_the_field_and_the_reason(value, options, reason):
    with pytest.raises(Implausible) as raised:
        check_amount(value, "price", **options)
    assert (raised.value.field, raised.value.reason) == ("price", reason)


def test_a_negative_amount_is_accepted_where_it_may_be_negative():
    assert check_amount("-5.00", "adjustment", signed=True) == Decimal("-5.00")
