"""The desk in a real browser: an agent grants goodwill within and above her limit, the team
lead approves; a bot flooding the public case form is throttled."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from stammkunde.customers.services.profile import create_customer
from stammkunde.service.models import GoodwillGrant, GoodwillLimit, WebFormSubmission
from stammkunde.shop.models import Voucher
from tests.factories import PASSWORD, OrderFactory, make_staff_user
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def desk(transactional_db):
    """Anna (agent, limit 20 EUR), Lena (team lead) and Jürgen, whose parcel is late."""
    restore_role_groups()
    make_staff_user("anna", role="Service agent")
    make_staff_user("lena", role="Team lead")
    GoodwillLimit.objects.create(role="Service agent", case_type="", maximum=Decimal("20"))
    customer = create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )
    OrderFactory(customer=customer, number="10234")
    return customer


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()


def grant(page: Page, kind: str, amount: str, reason: str) -> None:
    page.get_by_label("Art", exact=True).select_option(kind)
    page.get_by_label("Wert in EUR").fill(amount)
    page.get_by_label("Grund", exact=True).fill(reason)
    page.get_by_role("button", name="Kulanz gewähren").click()


def test_agent_grants_within_and_above_limit_and_the_lead_approves(page: Page, live_server, desk):
    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/customers/{desk.pk}/")
    page.get_by_role("link", name="Kulanz gewähren").click()

    grant(page, "voucher", "10,00", "Paket kam drei Tage zu spät")
    expect(page.locator(".messages")).to_contain_text("Kulanz gewährt.")
    code = Voucher.objects.get().code
    expect(page.locator(".messages")).to_contain_text(code)

    page.goto(f"{live_server.url}/service/goodwill/new/{desk.pk}/")
    grant(page, "gift", "-5", "Versuch")
    expect(page.get_by_role("alert")).to_contain_text("negativ")

    grant(page, "gift", "45", "Zweiter Schaden in einem Monat")
    expect(page.locator(".messages")).to_contain_text("wartet auf eine Teamleitung")
    own = page.locator("#own")
    expect(own.locator("tr", has_text="45,00")).to_contain_text("Wartet auf Genehmigung")
    log_out(page)

    log_in(page, live_server, "lena")
    page.get_by_role("link", name="Kundenservice").click()  # the case queue
    page.get_by_role("link", name="Regeln und Wissen").click()  # goodwill waiting for approval
    waiting = page.locator("#pending tr", has_text="Zweiter Schaden")
    waiting.get_by_role("textbox").fill("Treuer Kunde seit 2019")
    waiting.get_by_role("button", name="Genehmigen").click()
    expect(page.locator(".messages")).to_contain_text("Kulanz genehmigt.")
    expect(page.locator("#pending")).to_contain_text("Nichts wartet.")
    log_out(page)

    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/service/goodwill/")
    approved = page.locator("#own tr", has_text="45,00")
    expect(approved).to_contain_text("Gewährt")
    expect(approved).to_contain_text("Treuer Kunde seit 2019")
    assert sorted(GoodwillGrant.objects.values_list("status", flat=True)) == [
        "granted",
        "granted",
    ]


def test_a_bot_flooding_the_case_form_is_throttled(page: Page, live_server, transactional_db):
    page.goto(f"{live_server.url}/help/?lang=de")
    expect(page.get_by_role("heading", name="Hilfe und Kontakt")).to_be_visible()
    for attempt in range(6):
        page.goto(f"{live_server.url}/help/?lang=de")
        page.get_by_label("Ihre E-Mail-Adresse").fill("bot@example.de")
        page.get_by_label("Ihre Nachricht").fill(f"Billige Uhren {attempt}")
        page.get_by_role("button", name="Senden").click()
        if attempt < 3:
            expect(
                page.get_by_role("heading", name="Vielen Dank für Ihre Nachricht")
            ).to_be_visible()
        else:
            expect(page.locator(".help-refused")).to_contain_text("Zu viele Nachrichten")
    assert WebFormSubmission.objects.count() == 3
