"""Dates and numbers follow the reader's language: German "04.12.2026", English the British way
"04/12/2026" and "4 Dec 2026" (settings.FORMAT_MODULE_PATH, stammkunde/formats/en), never the
US "12/04/2026"; whichever way the language was chosen (the language cookie that the header's
switch and a staff member's own setting set, the browser's Accept-Language en-GB or en-US)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, number_format

from stammkunde.core.number_formats import format_money, format_number
from stammkunde.ui.templatetags.staff_ui import quick_date
from tests.factories import OrderFactory

BERLIN = ZoneInfo("Europe/Berlin")
MOMENT = datetime(2026, 12, 4, 17, 5, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("en", "SHORT_DATE_FORMAT", "04/12/2026"),
        ("en", "DATE_FORMAT", "4 Dec 2026"),
        ("en", "SHORT_DATETIME_FORMAT", "04/12/2026 17:05"),
        ("en", "DATETIME_FORMAT", "4 Dec 2026, 17:05"),
        ("en", "MONTH_DAY_FORMAT", "4 December"),
        ("en", "YEAR_MONTH_FORMAT", "December 2026"),
        ("de", "SHORT_DATE_FORMAT", "04.12.2026"),
        ("de", "DATE_FORMAT", "4. Dezember 2026"),
        ("de", "SHORT_DATETIME_FORMAT", "04.12.2026 17:05"),
        ("de", "MONTH_DAY_FORMAT", "4. Dezember"),
    ],
)
def test_dates_in_each_language(language, name, expected):
    with translation.override(language):
        assert date_format(MOMENT, name) == expected
        # The quick filter of the long lists writes the same.
        assert quick_date(MOMENT, name) == expected


@pytest.mark.parametrize(
    ("language", "number", "money", "plain"),
    [
        ("en", "1,234.5", "€1,234.50", "1234.5"),
        ("de", "1.234,5", "1.234,50\u00a0€", "1234,5"),
    ],
)
def test_numbers_in_each_language(language, number, money, plain):
    with translation.override(language):
        assert format_number(Decimal("1234.5")) == number
        assert format_money(Decimal("1234.5")) == money
        assert number_format(Decimal("1234.5")) == plain


def test_english_reads_typed_dates_day_first():
    from django import forms

    with translation.override("en"):
        field = forms.DateField(localize=True)
        assert field.clean("04/12/2026") == date(2026, 12, 4)
        assert field.clean("2026-12-04") == date(2026, 12, 4)


@pytest.fixture
def placed(db, juergen):
    """An order placed on 4 December 2026 (not the 12th of April)."""
    return OrderFactory(
        customer=juergen, number="777001", placed_at=datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)
    )


def order_date_on_the_customer_page(client, customer) -> str:
    html = client.get(reverse("ui:customer-detail", args=[customer.pk])).content.decode()
    start = html.index("<strong>777001</strong>")
    return html[start : start + 80]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("en-GB,en;q=0.8", "04/12/2026"),
        ("en-US,en;q=0.8", "04/12/2026"),
        ("en", "04/12/2026"),
        ("de-DE,de;q=0.9", "04.12.2026"),
    ],
)
def test_the_browsers_language_decides_the_dates(agent, juergen, placed, accept, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    client.force_login(agent)
    shown = order_date_on_the_customer_page(client, juergen)
    assert expected in shown
    assert "12/04/2026" not in shown


def test_the_language_cookie_decides_over_the_browser(agent, juergen, placed):
    # The header's switch and a staff member's own setting (at login) both set this cookie.
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "04/12/2026" in order_date_on_the_customer_page(client, juergen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert "04.12.2026" in order_date_on_the_customer_page(client, juergen)
