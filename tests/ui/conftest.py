"""Fixtures of the staff interface tests, and the Playwright setup for Debian's Chromium."""

from __future__ import annotations

import os
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.messaging.models import Trigger
from stammkunde.service.models import Team, TeamMember
from stammkunde.service.services import cases as case_services
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, make_staff_user

# The access tests' world (test_access.py, test_access_shop_limit.py): module-scoped, built
# once per module that asks for it.
from tests.ui.access_world import clients, module_db, users, world  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; the live_server's database access
# from that thread is safe here because every browser test runs in its own transaction.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


# A generous deadline for every expect(): the browser waits for its condition and goes on as soon
# as it holds, so this only matters on a slow, loaded machine (CI shares two cores).
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def juergen(db):
    """Jürgen Müller buys coffee regularly and has a note on file."""
    customer = create_customer(
        by=None,
        email="j.mueller@example.de",
        first_name="Jürgen",
        last_name="Müller",
        phone="0171 2345678",
        company="Müller Bürobedarf",
        vat_id="DE123456789",
    )
    order = OrderFactory(
        customer=customer, number="100234", placed_at=timezone.now() - timedelta(days=3)
    )
    OrderLineFactory(order=order)
    add_note(customer, by=None, text="Mag keine Anrufe vor 10 Uhr")
    return customer


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A German-speaking browser, as the shop's staff use it."""
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1366, "height": 900}}


# The case pages' customer, her case about a missing parcel (the agent in every team), and a
# mediator (test_cases_ui.py, test_teams_ui.py, test_case_orders_ui.py).
@pytest.fixture
def erika(db):
    return CustomerFactory(first_name="Erika", last_name="Mustermann", email="erika@example.de")


@pytest.fixture
def case(erika, agent):
    for team in Team.objects.all():
        TeamMember.objects.create(team=team, user=agent)
    order = OrderFactory(customer=erika, number="10234")
    return case_services.open_case(
        customer=erika,
        case_type="delivery_problem",
        channel="email",
        subject="Paket nicht angekommen",
        body="Bestellung 10234 ist nicht da.",
        orders=[order],
        from_address="erika@example.de",
        message_id="<m1@example.de>",
    )


@pytest.fixture
def mediator(db):
    return make_staff_user("moritz", role="Mediator")


# The messaging pages' tests (test_messaging_ui.py, test_triggers_ui.py).
NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture
def no_quiet_hours():
    """No quiet hours, so a mail queued at any time of day goes out now (the messaging pages
    use it on every test: ``usefixtures``)."""
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, MAIL_DOMAIN="mail.shop.example"):
        yield


@pytest.fixture
def shipped():
    """The shipping confirmation's trigger, as the migrations create it."""
    return Trigger.objects.get(key="default:order_shipped")


# The dashboard's tests (test_dashboard*.py) use it on every test (``usefixtures``).
@pytest.fixture
def english_pages(client):
    """The pages in English, so the assertions can read them (the default language is German)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last in the whole session.

    They need a real transaction per test, so their database is flushed afterwards; tests that
    use the ``db`` fixture without a marker are ordered after transactional ones by pytest-django
    and would then miss the role groups that the migrations created.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
