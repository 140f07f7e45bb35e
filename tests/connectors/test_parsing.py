"""The CSV field parsers: German and English numbers and dates, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given
from hypothesis import strategies as st

from stammkunde.connectors.csv_import.parsing import (
    FieldError,
    check_not_future,
    is_valid_email,
    normalize_external_id,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_money,
    parse_quantity,
    split_tags,
)

BERLIN = ZoneInfo("Europe/Berlin")
amounts = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2)


def german(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@given(amounts)
def test_german_amounts_with_thousands_dots_read_back_exactly(amount):
    assert parse_decimal(german(amount)) == amount


@given(amounts)
def test_english_amounts_with_thousands_commas_read_back_exactly(amount):
    assert parse_decimal(f"{amount:,.2f}") == amount


@given(amounts, st.booleans())
def test_plain_amounts_read_back_with_comma_or_point(amount, comma):
    text = f"{amount:.2f}"
    assert parse_decimal(text.replace(".", ",") if comma else text) == amount


@given(st.text(max_size=20))
def test_any_text_is_a_number_or_a_field_error(text):
    try:
        value = parse_decimal(text)
    except FieldError as error:
        assert str(error)
    else:
        assert isinstance(value, Decimal)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_read_back_in_german_and_iso_form(day):
    assert parse_date(day.strftime("%d.%m.%Y")) == day
    assert parse_date(day.isoformat()) == day


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_quantities_exported_as_floats_are_whole_numbers(number):
    assert parse_quantity(f"{number}.0") == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("12,50", "12.50"),
        ("12.50", "12.50"),
        ("1.234.567", "1234567"),
        ("-3,5", "-3.5"),
        (" 7 ", "7"),
        ("0.001", "0.001"),
    ],
)
def test_amounts_in_both_notations(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.234.56", "12,", "1,2,3,4", "1e5", "--1", "€"])
def test_non_numbers_are_refused(text):
    with pytest.raises(FieldError):
        parse_decimal(text)


def test_money_is_rounded_to_cents_and_negative_money_is_refused():
    assert parse_money("0,005") == Decimal("0.01")
    with pytest.raises(FieldError, match="negative"):
        parse_money("-1,00")


def test_fractional_quantity_is_refused():
    with pytest.raises(FieldError, match="whole number"):
        parse_quantity("1,5")


def test_german_date_24_12_2025_is_accepted():
    assert parse_date("24.12.2025") == date(2025, 12, 24)


@pytest.mark.parametrize("text", ["31.02.2025", "2025-13-01", "gestern", ""])
def test_impossible_dates_are_refused(text):
    with pytest.raises(FieldError):
        parse_date(text)


def test_local_times_get_the_shop_time_zone_and_offsets_are_kept():
    assert parse_datetime("24.12.2025 13:45", default_tz=BERLIN) == datetime(
        2025, 12, 24, 13, 45, tzinfo=BERLIN
    )
    assert parse_datetime("2025-12-24T12:45:00Z", default_tz=BERLIN) == datetime(
        2025, 12, 24, 12, 45, tzinfo=UTC
    )
    assert parse_datetime("24.12.2025", default_tz=BERLIN) == datetime(2025, 12, 24, tzinfo=BERLIN)


def test_dates_in_the_future_are_refused():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(FieldError, match="future"):
        check_not_future(datetime(2025, 1, 2, tzinfo=UTC), now=now)
    with pytest.raises(FieldError, match="future"):
        check_not_future(date(2025, 1, 2), now=now)
    check_not_future(date(2025, 1, 1), now=now)


def test_yes_and_no_in_german_and_english():
    assert parse_bool("Ja") is True
    assert parse_bool("yes") is True
    assert parse_bool("nein") is False
    assert parse_bool("") is False
    with pytest.raises(FieldError):
        parse_bool("vielleicht")


def test_customer_numbers_that_went_through_a_float_lose_the_fraction():
    assert normalize_external_id("17850.0") == "17850"
    assert normalize_external_id(" K-17.0 ") == "K-17.0"


def test_tags_split_on_commas_and_pipes_without_repeats():
    assert split_tags("VIP| Espresso ,VIP,,") == ["VIP", "Espresso"]


@pytest.mark.parametrize("text", ["²", "1²", "٣", "12,5²"])
def test_unicode_digits_are_not_amounts(text):
    with pytest.raises(FieldError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7,50 €", "7.50"), ("€7.50", "7.50"), ("EUR 1.234,56", "1234.56"), ("12,00€", "12.00")],
)
def test_amounts_with_a_currency_sign(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234", "1,234", "-1.234", "999,000"])
def test_one_separator_before_three_digits_is_ambiguous_without_a_choice(text):
    with pytest.raises(FieldError, match="ambiguous"):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("1.234", ",", "1234"),
        ("1,234", ",", "1.234"),
        ("1.234", ".", "1.234"),
        ("1,234", ".", "1234"),
    ],
)
def test_the_chosen_decimal_separator_decides(text, separator, expected):
    assert parse_decimal(text, decimal_separator=separator) == Decimal(expected)


def test_two_digit_years_are_never_in_the_future():
    from stammkunde.connectors.csv_import.parsing import full_year

    today = date(2026, 12, 3)
    assert full_year("25", today=today) == 2025
    assert full_year("26", today=today) == 2026
    assert full_year("27", today=today) == 1927
    assert full_year("0001", today=today) == 1
    assert parse_date("24.12.25") == date(2025, 12, 24)


def test_iso_times_with_and_without_offset_and_seconds_are_read():
    assert parse_datetime("2025-12-24 13:45:07", default_tz=BERLIN) == datetime(
        2025, 12, 24, 13, 45, 7, tzinfo=BERLIN
    )
    assert parse_datetime("2025-12-24T13:45", default_tz=BERLIN) == datetime(
        2025, 12, 24, 13, 45, tzinfo=BERLIN
    )
    assert parse_datetime("2025-12-24 13:45:00+01:00", default_tz=UTC) == datetime(
        2025, 12, 24, 12, 45, tzinfo=UTC
    )
    assert parse_datetime("2025-12-24", default_tz=BERLIN) == datetime(2025, 12, 24, tzinfo=BERLIN)
    with pytest.raises(FieldError):
        parse_datetime("2025-12-32 10:00", default_tz=BERLIN)


def django_accepts(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


EMAILS = [
    "kunde1@example.de",
    "a.b-c+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "x@müller.de",
    "x@xn--mller-kva.de",
    "user@localhost",
    "user@[192.168.0.1]",
    "user@[300.1.1.1]",
    '"quoted name"@example.de',
    ".leading@example.de",
    "trailing.@example.de",
    "two..dots@example.de",
    "no-at-sign.example.de",
    "two@@example.de",
    "a@b@example.de",
    "user@-example.de",
    "user@example-.de",
    "user@example.d",
    "user@example.de-",
    "user@example..de",
    "user@.example.de",
    "user@example.123",
    "space in@example.de",
    "user@exa mple.de",
    "",
    "@example.de",
    "user@",
    "a" * 64 + "@" + "b" * 63 + ".de",
    "a" * 310 + "@example.de",
    "a" * 300 + "@example.de",
    "user@" + "b" * 64 + ".de",
    "ü@example.de",
]


@pytest.mark.parametrize("address", EMAILS)
def test_email_check_agrees_with_djangos_validator(address):
    assert is_valid_email(address) is django_accepts(address)


@given(st.text(alphabet='ab.-@ü[]1"', max_size=30))
def test_email_check_agrees_with_djangos_validator_on_any_text(address):
    assert is_valid_email(address) is django_accepts(address)
