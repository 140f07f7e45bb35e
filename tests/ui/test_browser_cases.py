"""A case in a real browser: the agent opens a case from the customer page during a call,
replies and sets the status; an escalated case shows up in the mediator's queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stammkunde.customers.services.profile import create_customer
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Case, Team, TeamMember
from tests.factories import OrderFactory, make_staff_user
from tests.ui.test_browser import restore_role_groups
from tests.ui.test_browser_desk import log_in, log_out

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def desk(transactional_db):
    """Anna (agent) works in every team, Max mediates; Jürgen's parcel is late."""
    restore_role_groups()
    anna = make_staff_user("anna", role="Service agent")
    make_staff_user("max", role="Mediator")
    if not Team.objects.filter(is_default=True).exists():
        Team.objects.create(
            name="Zentrale Beschwerdestelle", slug="beschwerdestelle", is_default=True
        )
    for team in Team.objects.all():
        TeamMember.objects.create(team=team, user=anna)
    customer = create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )
    OrderFactory(customer=customer, number="10234")
    return customer


def test_agent_opens_replies_and_solves_and_the_mediator_sees_an_escalation(
    page: Page, live_server, desk
):
    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/customers/{desk.pk}/")
    page.get_by_role("link", name="Vorgang eröffnen (Anruf)").click()
    page.get_by_label("Art", exact=True).select_option("delivery_problem")
    page.get_by_label("Betreff").fill("Paket nicht angekommen")
    page.get_by_label("Was der Kunde gesagt hat").fill("Bestellung 10234 ist nicht da.")
    page.get_by_label("10234").check()
    page.get_by_role("button", name="Vorgang eröffnen").click()
    case = Case.objects.get(customer=desk)
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.locator("#thread")).to_contain_text("Bestellung 10234 ist nicht da.")

    page.locator("textarea[data-reply-box]").fill("Wir haben beim Versender nachgefragt.")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.locator(".messages")).to_contain_text("Antwort zum Versand eingereiht.")
    expect(page.locator("#thread")).to_contain_text("Wir haben beim Versender nachgefragt.")
    expect(page.locator("#case-status")).to_have_text("Wartet auf den Kunden")
    assert OutboundMessage.objects.get().subject == f"Re: [{case.reference}] Paket nicht angekommen"

    page.locator("#status-form select").select_option("solved")
    page.locator("#status-form").get_by_role("button", name="Status setzen").click()
    expect(page.locator("#case-status")).to_have_text("Gelöst")

    page.locator("#status-form select").select_option("open")
    page.locator("#status-form").get_by_role("button", name="Status setzen").click()
    page.locator("#escalate-form select").select_option("customer_request")
    page.get_by_role("button", name="An die Schlichtung eskalieren").click()
    expect(page.locator("#escalation")).to_be_visible()
    log_out(page)

    log_in(page, live_server, "max")
    page.goto(f"{live_server.url}/service/cases/")
    row = page.locator("#case-queue tr", has_text=case.reference)
    expect(row).to_contain_text("der Kunde wollte mit jemand anderem sprechen")
    row.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paket nicht angekommen")
