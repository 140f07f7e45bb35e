"""The service agent's first minutes in a real browser (issue 15): a customer quotes the end of
an order number, and an opt-out given on the phone is recorded on the customer page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stammkunde.customers.models import ConsentEvent
from stammkunde.customers.services.profile import create_customer
from tests.factories import OrderFactory, OrderLineFactory, make_staff_user
from tests.ui.test_browser import log_in, restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def agent_and_customer(transactional_db):
    restore_role_groups()
    agent = make_staff_user("anna", role="Service agent")
    customer = create_customer(
        by=None, email="h.kranich@example.de", first_name="Hedwig", last_name="Kranich"
    )
    OrderLineFactory(order=OrderFactory(customer=customer, number="110234"))
    other = create_customer(by=None, email="b@example.de", first_name="Bert", last_name="Reiher")
    OrderLineFactory(order=OrderFactory(customer=other, number="110235"))
    return agent, customer


def test_the_end_of_an_order_number_finds_the_customer(page: Page, live_server, agent_and_customer):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/customers/")
    page.fill("#customer-search", "10234")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Hedwig Kranich")).to_be_visible()
    expect(results.get_by_text("Bert Reiher")).to_have_count(0)


def test_an_opt_out_on_the_phone_is_recorded_from_the_customer_page(
    page: Page, live_server, agent_and_customer
):
    agent, customer = agent_and_customer
    log_in(page, live_server)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    card = page.locator("#consent-card")
    card.get_by_text("Einwilligung oder Widerspruch erfassen").click()
    card.get_by_label("Zweck").select_option("newsletter")
    card.get_by_label("Kanal").select_option("email")
    card.get_by_label("Widerspruch: keine Nachrichten mehr").check()
    card.get_by_label("Wie hat die Kundin oder der Kunde es Ihnen gesagt?").select_option("phone")
    card.get_by_role("button", name="Entscheidung speichern").click()
    expect(page.locator("#consent-list")).to_contain_text("widerrufen")
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.channel, event.purpose, event.granted) == ("email", "newsletter", False)
    assert (event.source, event.source_detail) == ("phone", agent.get_full_name())
