"""Fixtures of the staff interface tests, and the Playwright setup for Debian's Chromium."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from tests.factories import OrderFactory, OrderLineFactory

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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last in the whole session.

    They need a real transaction per test, so their database is flushed afterwards; tests that
    use the ``db`` fixture without a marker are ordered after transactional ones by pytest-django
    and would then miss the role groups that the migrations created.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
