"""The start page's newest contacts are the ones that happened last, not the ones recorded
last (issue 15): an import of old orders after today's call does not push the call away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.customers.services.profile import create_customer
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.queries import latest_activities
from stammkunde.timeline.services import record_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(db):
    customer = create_customer(by=None, email="k@example.de", last_name="Kranich")
    now = timezone.now()
    # Recorded in this order: today's call first, then last year's order, then a clock error.
    call = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        params={"text": "Rückruf heute"},
        occurred_at=now - timedelta(minutes=5),
    )
    old = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        params={"text": "Alte Notiz vom Vorjahr"},
        occurred_at=now - timedelta(days=365),
    )
    future = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        params={"text": "Falsche Uhr im Shop"},
        occurred_at=now + timedelta(days=30),
    )
    return call, old, future


def test_newest_by_when_it_happened(entries):
    call, old, future = entries
    latest = [entry.pk for entry in latest_activities(by=None, limit=15)]
    # (the customer's creation entry, just now, comes first)
    assert [pk for pk in latest if pk in {call.pk, old.pk, future.pk}] == [call.pk, old.pk]


def test_the_start_page_lists_them_in_that_order(client, agent, entries):
    client.force_login(agent)
    html = client.get(reverse("ui:home")).content.decode()
    assert html.index("Rückruf heute") < html.index("Alte Notiz vom Vorjahr")
