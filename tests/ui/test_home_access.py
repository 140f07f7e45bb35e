"""The start page shows each section only with the permission of what it shows (issue 12)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.services import run_scoring
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

NAME = "Zacharias Quirinblum"
NOTE = "Ruft nur donnerstags an"
# 4.321,87 € in German, 4,321.87 in English: neither may appear for a user without a role.
AMOUNT = Decimal("4321.87")


@pytest.fixture
def quirinblum(db):
    customer = create_customer(
        by=None, email="zq@example.de", first_name="Zacharias", last_name="Quirinblum"
    )
    order = OrderFactory(
        customer=customer,
        number="774411",
        total=AMOUNT,
        # In the last complete month: the start page shows that month, as the dashboard does.
        placed_at=timezone.now().replace(day=1) - timedelta(days=10),
    )
    OrderLineFactory(order=order, quantity=1, unit_price=AMOUNT, total=AMOUNT)
    add_note(customer, by=None, text=NOTE)
    run_scoring()
    return customer


def _home(client, user, language="en"):
    client.force_login(user)
    response = client.get(reverse("ui:home"), headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_user_without_a_role_sees_a_friendly_page_without_data(client, quirinblum, language):
    html = _home(client, User.objects.create_user(username="nora", password="x"), language)
    assert "Quirinblum" not in html
    assert NOTE not in html
    assert "4,321.87" not in html and "4.321,87" not in html
    assert ("no role yet" in html) or ("noch keine Rolle" in html)


def test_an_agent_sees_the_newest_entries_but_not_the_revenue(client, agent, quirinblum):
    html = _home(client, agent)
    assert NAME in html
    assert NOTE in html
    assert "4,321.87" not in html  # revenue needs analytics.view_dashboard
    assert "no role yet" not in html


def test_a_team_lead_sees_names_and_revenue(client, team_lead, quirinblum):
    html = _home(client, team_lead)
    assert NAME in html
    assert "4,321.87" in html


def test_marketing_sees_revenue(client, marketer, quirinblum):
    html = _home(client, marketer)
    assert "4,321.87" in html


def test_reading_the_newest_entries_is_audited_with_the_customers_shown(client, agent, quirinblum):
    from stammkunde.audit.models import AuditAction, AuditEntry

    _home(client, agent)
    row = AuditEntry.objects.get(actor=agent, object_type="timeline.activity")
    assert row.action == AuditAction.VIEW
    assert list(row.customers.values_list("customer_id", flat=True)) == [quirinblum.pk]


def test_a_user_without_a_role_reads_no_entries_and_leaves_no_read_row(client, quirinblum):
    from stammkunde.audit.models import AuditEntry

    nora = User.objects.create_user(username="nora", password="x")
    _home(client, nora)
    assert not AuditEntry.objects.filter(actor=nora, object_type="timeline.activity").exists()
