"""The desk inside a case, in a real browser: the agent sees the crisis plan for a late parcel
and ticks a step, puts the macro into the reply box with one click (greeting, order number,
tracking link filled in), gets a matching article suggested while writing, and grants a
voucher from the case."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from stammkunde.customers.services.profile import create_customer
from stammkunde.service.models import (
    CaseStepTick,
    GoodwillLimit,
    KnowledgeArticle,
    KnowledgeCategory,
)
from stammkunde.service.services.cases import open_case
from stammkunde.shop.models import Shipment
from tests.factories import OrderFactory, OrderLineFactory, make_staff_user
from tests.ui.test_browser import restore_role_groups
from tests.ui.test_browser_desk import grant, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def late_parcel_case(transactional_db):
    restore_role_groups()
    anna = make_staff_user("anna", role="Service agent")
    GoodwillLimit.objects.create(role="Service agent", case_type="", maximum=Decimal("20"))
    customer = create_customer(
        by=None,
        email="j.mueller@example.de",
        first_name="Jürgen",
        last_name="Müller",
        salutation="mr",
    )
    order = OrderFactory(customer=customer, number="10234")
    OrderLineFactory(order=order, name="Espresso Napoli")
    Shipment.objects.create(
        order=order,
        carrier="DHL",
        tracking_url="https://www.dhl.de/verfolgen?piececode=00340434",
        shipped_at=order.placed_at,
    )
    category = KnowledgeCategory.objects.create(slug="versand", name_de="Versand", name_en="Ship")
    KnowledgeArticle.objects.create(
        category=category,
        language="de",
        title="Nachforschungsauftrag bei DHL",
        body="Nach fünf Werktagen stellen wir einen Nachforschungsauftrag.",
        keywords="Nachforschung Paket verloren",
    )
    return open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen, Bestellung 10234",
        body="Mein Paket ist nicht angekommen.",
        orders=[order],
        assignee=anna,
    )


def test_agent_works_a_late_parcel_with_plan_macro_article_and_goodwill(
    page: Page, live_server, late_parcel_case
):
    case = late_parcel_case
    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")

    plan = page.locator(".crisis-plan", has_text="Lieferverzug")
    expect(plan).to_contain_text("Sendungsverfolgung prüfen")
    # Each step's button is named by its step (it was named by its glyph, "☐", alone).
    step = plan.get_by_role("button", name="Sendungsverfolgung prüfen und den Status")
    expect(step).to_have_attribute("aria-pressed", "false")
    step.click()
    expect(page.locator(".crisis-plan", has_text="Lieferverzug")).to_contain_text("1/5")
    expect(
        page.locator(".crisis-plan", has_text="Lieferverzug").get_by_role(
            "button", name="Sendungsverfolgung prüfen und den Status"
        )
    ).to_have_attribute("aria-pressed", "true")
    assert CaseStepTick.objects.filter(case=case).count() == 1

    page.get_by_role("button", name="Lieferverzug: Zwischenstand").click()
    reply = page.locator("#reply-form textarea")
    expect(reply).to_have_value(
        re.compile(r"^Sehr geehrter Herr Müller,.*10234.*piececode=00340434", re.DOTALL)
    )

    reply.press_sequentially(" Nachforschung")
    expect(page.locator("#article-suggestions")).to_contain_text("Nachforschungsauftrag bei DHL")

    page.locator(".goodwill-panel").get_by_role("link", name="Kulanz gewähren").click()
    expect(page.get_by_text(f"Für Vorgang {case.reference}")).to_be_visible()
    grant(page, "voucher", "10", "Paket drei Tage zu spät")
    expect(page.locator(".goodwill-panel")).to_contain_text("Gewährt")
    assert (
        page.url.endswith(f"/service/cases/{case.pk}/") or f"/service/cases/{case.pk}/" in page.url
    )
