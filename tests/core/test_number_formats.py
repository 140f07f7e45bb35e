"""Numbers, amounts and shares in the UI language (one helper for every page and chart)."""

from decimal import Decimal

import pytest
from django.utils import translation

from stammkunde.core.number_formats import (
    NBSP,
    format_compact,
    format_money,
    format_number,
    format_percent,
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", f"19.819,85{NBSP}€"), ("en", "€19,819.85")],
)
def test_money_is_written_in_the_ui_language_on_one_line(language, expected):
    with translation.override(language):
        assert format_money(Decimal("19819.85"), "EUR") == expected


def test_a_currency_without_a_symbol_is_written_as_its_code():
    with translation.override("de"):
        assert format_money(Decimal("1250"), "CHF") == f"1.250,00{NBSP}CHF"
    with translation.override("en"):
        assert format_money(Decimal("1250"), "CHF") == f"CHF{NBSP}1,250.00"


@pytest.mark.parametrize(
    ("value", "german", "english"),
    [
        (6200, f"6,2{NBSP}Tsd.", "6.2k"),
        (25_000, f"25{NBSP}Tsd.", "25k"),
        (1_300_000, f"1,3{NBSP}Mio.", "1.3M"),
        (1000, f"1{NBSP}Tsd.", "1k"),
        (0.25, "0,25", "0.25"),
        (12, "12", "12"),
    ],
)
def test_compact_numbers_for_charts(value, german, english):
    with translation.override("de"):
        assert format_compact(value) == german
    with translation.override("en"):
        assert format_compact(value) == english


def test_percentages_and_plain_numbers():
    with translation.override("de"):
        assert format_percent(0.234) == f"23{NBSP}%"
        assert format_percent(0.2345, 1) == f"23,5{NBSP}%"  # rounded half up
        assert format_number(Decimal("1234.5"), 2) == "1.234,50"
    with translation.override("en"):
        assert format_percent(0.234) == "23%"
        assert format_number(Decimal("1234.5"), 2) == "1,234.50"


def test_numbers_are_rounded_not_cut_off():
    # Django's number_format alone drops the digits beyond the places asked for (12.7 -> 12).
    with translation.override("en"):
        assert format_percent(0.127) == "13%"
        assert format_percent(0.125) == "13%"
        assert format_number(2.99, 0) == "3"
        assert format_number(Decimal("1.25"), 1) == "1.3"
        assert format_money("4.625") == "€4.63"
