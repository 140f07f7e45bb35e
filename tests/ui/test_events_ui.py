"""The domain events page (admins only): delivery state per subscriber, parked ones with their
reason, and delivering one again (audited)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.core.event_delivery import dispatch_waiting
from stammkunde.core.events import publish, subscribe, unsubscribe
from stammkunde.core.models import EventDelivery, EventDeliveryState
from stammkunde.core.origin import Origin
from stammkunde.shop.events import OrderPlaced
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    """Ingrid runs the shop systems and connects them."""
    return make_staff_user("ingrid", role="Admin")


@pytest.fixture
def parked():
    """An "order placed" event, delivered to one subscriber and parked at the other."""
    mails = []
    server = {"down": True}

    @subscribe(OrderPlaced, name="test.mailer")
    def mailer(event):
        if server["down"]:
            raise RuntimeError("SMTP server refused the connection")
        mails.append(event.event_id)

    subscribe(OrderPlaced, name="test.counter")(lambda event: None)
    publish(
        OrderPlaced(
            order_id=108810,
            shop_id=1,
            customer_id=None,
            total=Decimal("27.08"),
            currency="EUR",
            occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        ),
        origin=Origin.WEBHOOK,
    )
    dispatch_waiting()
    delivery = EventDelivery.objects.get(subscriber="test.mailer")
    EventDelivery.objects.filter(pk=delivery.pk).update(state=EventDeliveryState.PARKED)
    delivery.refresh_from_db()
    server["down"] = False
    yield delivery, mails
    unsubscribe("test.mailer")
    unsubscribe("test.counter")


def test_admin_sees_each_subscribers_state_and_the_reason(client, admin_user, parked):
    client.force_login(admin_user)

    html = client.get(reverse("ui:event-list")).content.decode()

    assert "shop.OrderPlaced" in html
    assert "Live webhook" in html
    assert "test.mailer" in html and "test.counter" in html
    assert "Parked" in html and "Delivered" in html
    assert "SMTP server refused the connection" in html
    assert reverse("ui:event-redeliver", args=[parked[0].pk]) in html


def test_the_parked_filter_shows_only_events_with_a_parked_delivery(client, admin_user, parked):
    publish(
        OrderPlaced(
            order_id=2,
            shop_id=1,
            customer_id=None,
            total=Decimal("1.00"),
            currency="EUR",
            occurred_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
    )
    client.force_login(admin_user)

    parked_page = client.get(reverse("ui:event-list"), {"show": "parked"}).content.decode()
    waiting_page = client.get(reverse("ui:event-list"), {"show": "undispatched"}).content.decode()

    assert f'id="event-{parked[0].event_id}"' in parked_page
    assert parked_page.count('id="event-') == 1
    assert f'id="event-{parked[0].event_id}"' not in waiting_page
    assert waiting_page.count('id="event-') == 1


def test_admin_delivers_a_parked_event_again_and_it_is_audited(client, admin_user, parked):
    delivery, mails = parked
    client.force_login(admin_user)

    response = client.post(reverse("ui:event-redeliver", args=[delivery.pk]))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.error) == ("waiting", 0, "")
    entry = AuditEntry.objects.get(object_type="core.eventdelivery")
    assert entry.actor == admin_user
    assert entry.object_id == str(delivery.pk)
    from stammkunde.core.event_delivery import retry_waiting

    retry_waiting()
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert mails == [delivery.event_id]


def test_redelivering_needs_post(client, admin_user, parked):
    client.force_login(admin_user)
    assert client.get(reverse("ui:event-redeliver", args=[parked[0].pk])).status_code == 405


def test_team_lead_and_agent_cannot_see_or_redeliver(client, team_lead, agent, parked):
    delivery, _mails = parked
    for user in (team_lead, agent):
        client.force_login(user)
        assert client.get(reverse("ui:event-list")).status_code == 403
        assert client.post(reverse("ui:event-redeliver", args=[delivery.pk])).status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == EventDeliveryState.PARKED
    assert not AuditEntry.objects.filter(object_type="core.eventdelivery").exists()


def test_an_unknown_delivery_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("ui:event-redeliver", args=[999999])).status_code == 404


def test_the_page_is_german_by_default(admin_user, parked):
    from django.test import Client

    german = Client()
    german.force_login(admin_user)

    html = german.get(reverse("ui:event-list")).content.decode()

    assert "Domain-Ereignisse" in html
    assert "Geparkt" in html
    assert "Erneut zustellen" in html
