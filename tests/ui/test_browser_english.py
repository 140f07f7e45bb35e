"""Issue 15's proof in a real browser: a reader who switches the UI to English sees the start page,
the dashboard and a customer page without German words, and amounts written the English way."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from stammkunde.analytics.services import run_scoring
from tests.factories import PASSWORD, CustomerFactory, OrderFactory, make_staff_user
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Words and phrases of the product's German; the test customers' names are fixed or come from
# de_DE first and last names, which contain none of them as whole words.
GERMAN_WORDS = [
    "Kunden", "Kunde", "Bestellungen", "Bestellung", "Umsatz", "abwanderungsgefährdet", "vor",
    "Tagen", "Tsd.", "Mio.", "Übersicht", "Zeitraum", "bisher", "insgesamt", "und", "nicht",
]  # fmt: skip
# An amount written the German way: "1.234,56" or "19,85 €".
GERMAN_AMOUNT = re.compile(r"\d{1,3}(\.\d{3})+,\d{2}\b|\d,\d{2}\s?€")


@pytest.fixture
def scored_demo_shop(transactional_db):
    """Ada from the admins; 30 customers who reorder about monthly (a third of them stopped),
    and Grace Hopper, whose one order cost 1,234.56 EUR; scored once."""
    restore_role_groups()
    make_staff_user("ada", role="Admin")
    now = timezone.now()
    for index in range(30):
        customer = CustomerFactory()
        last = (80 + index % 10) if index % 3 == 0 else (3 + index % 20)
        for number in range(2 + index % 5):
            OrderFactory(
                customer=customer,
                placed_at=now - timedelta(days=last + 30 * number),
                total=Decimal(25 + 15 * ((index + number) % 4)),
            )
    grace = CustomerFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    OrderFactory(
        customer=grace, number="77001", placed_at=now - timedelta(days=12), total=Decimal("1234.56")
    )
    run = run_scoring()
    assert run.state == "finished", run.error
    return grace


def assert_english(page: Page, where: str) -> None:
    """The page's visible text has no German word and no German-style amount."""
    text = page.locator("body").inner_text()
    for word in GERMAN_WORDS:
        found = re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text)
        assert not found, (where, word, text[max(0, found.start() - 80) : found.end() + 80])
    amount = GERMAN_AMOUNT.search(text)
    assert not amount, (where, text[max(0, amount.start() - 80) : amount.end() + 80])


def test_the_english_ui_shows_no_german(page: Page, live_server, scored_demo_shop):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
    # Switch the language the way a reader does: the EN button in the top bar.
    page.locator("form.langswitch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    assert_english(page, "start page")

    page.locator("nav.mainnav a[href='/analytics/']").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert_english(page, "dashboard")
    # The dashboard writes amounts the English way: a currency sign before the number.
    expect(page.locator("main")).to_contain_text(re.compile(r"€\d{1,3}(,\d{3})*\.\d{2}"))

    page.goto(f"{live_server.url}/customers/{scored_demo_shop.pk}/")
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    assert_english(page, "customer page")
    expect(page.locator("main")).to_contain_text("€1,234.56")
