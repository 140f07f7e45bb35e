"""The staff interface in a real browser: log in, search, the 360 page, a note, the language."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from stammkunde.customers.services.contacts import add_note, log_call
from stammkunde.customers.services.profile import create_customer
from stammkunde.timeline.models import Direction
from stammkunde.ui.roles import ROLE_PERMISSIONS, admin_permissions
from tests.factories import PASSWORD, OrderFactory, OrderLineFactory, make_staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def restore_role_groups() -> None:
    """Recreate the role groups of ui/roles.py.

    A transactional test starts from a flushed database: permissions come back through
    post_migrate, but the groups came from a data migration and must be made again.
    """
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        if codes == "__all__":
            perms = admin_permissions(Permission)
        else:
            perms = [
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in (code.split(".") for code in codes)
            ]
        group.permissions.set(perms)


@pytest.fixture
def staff_and_customer(transactional_db):
    restore_role_groups()
    agent = make_staff_user("anna", role="Service agent")
    customer = create_customer(
        by=None,
        email="j.mueller@example.de",
        first_name="Jürgen",
        last_name="Müller",
        phone="0171 2345678",
        company="Müller Bürobedarf",
    )
    for number in ("100234", "100377"):
        order = OrderFactory(customer=customer, number=number)
        OrderLineFactory(order=order)
    add_note(customer, by=agent, text="Mag keine Anrufe vor 10 Uhr\nLieber per E-Mail.")
    log_call(
        customer,
        by=agent,
        direction=Direction.INBOUND,
        summary="Fragt nach der Lieferzeit",
        notes="Paket kommt morgen",
        duration_minutes=4,
    )
    create_customer(by=None, email="petra@example.de", first_name="Petra", last_name="Schmidt")
    return agent, customer


def log_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()


def test_agent_finds_a_customer_and_adds_a_note(page: Page, live_server, staff_and_customer):
    _agent, customer = staff_and_customer
    log_in(page, live_server)

    page.goto(f"{live_server.url}/customers/")
    page.fill("#customer-search", "mül")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Jürgen Müller")).to_be_visible()
    expect(results.get_by_text("Petra Schmidt")).to_have_count(0)
    # The live search swapped only the results, and the address bar follows it.
    expect(page).to_have_url(re.compile(r"q=m%C3%BCl|q=mül"))

    page.screenshot(path="/tmp/ui-list.png")
    results.get_by_role("link", name="Jürgen Müller").click()
    expect(page.get_by_role("heading", name="Jürgen Müller")).to_be_visible()
    expect(page.locator("#timeline-list .entry").first).to_contain_text("Fragt nach der Lieferzeit")

    page.fill("#note-text", "Rückruf am Montag zugesagt")
    page.get_by_role("button", name="Notiz speichern").click()
    first = page.locator("#timeline-list .entry").first
    expect(first).to_contain_text("Rückruf am Montag zugesagt")
    expect(page.locator("#note-text")).to_have_value("")
    assert page.url.endswith(f"/customers/{customer.pk}/")

    page.set_viewport_size({"width": 1366, "height": 1100})
    page.screenshot(path="/tmp/ui-360.png", full_page=True)


def test_language_switch(page: Page, live_server, staff_and_customer):
    log_in(page, live_server)
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    page.get_by_role("button", name="DE", exact=True).click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/ui-home-phone.png", full_page=True)
