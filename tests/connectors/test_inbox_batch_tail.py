"""The drain's batches: a small last round of the batch path is left to the next batch (mapped
once, applied once), and one bad delivery in a full batch is retried and parked alone while
the others land, nothing applied twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.connectors.inbox import applying, processing, receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import MAX_ATTEMPTS, process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.core.models import StoredEvent
from stammkunde.shop.models import Order, OrderLine
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.test_inbox_helpers import (
    SECRET,
    shopify_delivery,
    shopify_headers,
    shopify_order,
)

pytestmark = pytest.mark.django_db

# A claim this big lets the batch path postpone a small last round (processing.MIN_ROUND).
LIMIT = 3 * processing.MIN_ROUND


@pytest.fixture
def shop(db):
    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    return connection.shop


def deliver(shop, order_id: int, *, customer: int, **order) -> WebhookDelivery:
    headers, body = shopify_delivery(
        order_id,
        webhook_id=f"w-{order_id}",
        topic="orders/create",
        email=f"kunde{customer}@example.com",
        customer_id=7_000 + customer,
        **order,
    )
    return receive(shop, headers, body, verified=True)


def fill(shop, count: int, *, second_order_of: int) -> list[WebhookDelivery]:
    """``count`` orders of different customers, then a second order of customer
    ``second_order_of`` (the batch path applies it in a round of its own)."""
    deliveries = [deliver(shop, 1000 + index, customer=index) for index in range(count - 1)]
    deliveries.append(deliver(shop, 1000 + count, customer=second_order_of))
    return deliveries


def assert_applied_once(order_ids) -> None:
    assert Order.objects.filter(external_id__in=order_ids).count() == len(order_ids)
    assert OrderLine.objects.filter(order__external_id__in=order_ids).count() == len(order_ids)
    placed = Activity.objects.filter(kind=ActivityKind.ORDER_PLACED)
    assert placed.count() == len(order_ids)
    placed_events = StoredEvent.objects.filter(name="shop.OrderPlaced")
    assert placed_events.count() == len(order_ids)
    assert set(placed_events.values_list("origin", flat=True)) == {"webhook"}


def test_a_small_last_round_waits_for_the_next_batch_and_is_mapped_once(shop, monkeypatch):
    deliveries = fill(shop, LIMIT, second_order_of=3)
    last = deliveries[-1]
    mapped = []
    real_map = applying.map_delivery

    def counting_map(delivery):
        mapped.append(delivery.pk)
        return real_map(delivery)

    monkeypatch.setattr(applying, "map_delivery", counting_map)

    first = process_waiting(limit=LIMIT)

    last.refresh_from_db()
    # Left open untouched (no attempt charged), and the next pass starts before it.
    assert (last.state, last.attempts, last.error) == (DeliveryState.RECEIVED, 0, "")
    assert first.processed == LIMIT - 1
    assert first.resume_after == last.pk - 1
    assert not Order.objects.filter(external_id=str(1000 + LIMIT)).exists()

    second = process_waiting(limit=LIMIT, after_id=first.resume_after)

    last.refresh_from_db()
    assert last.state == DeliveryState.PROCESSED
    assert second.processed == 1
    assert mapped.count(last.pk) == 1  # the first batch's mapping was carried over
    assert_applied_once([str(1000 + i) for i in range(LIMIT - 1)] + [str(1000 + LIMIT)])
    customer_orders = Order.objects.filter(customer__email="kunde3@example.com")
    assert customer_orders.count() == 2


def test_a_small_claim_applies_every_round_at_once(shop):
    deliveries = fill(shop, 4, second_order_of=1)

    result = process_waiting(limit=10)

    assert result.processed == 4
    states = set(
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list(
            "state", flat=True
        )
    )
    assert states == {DeliveryState.PROCESSED}


def test_one_bad_delivery_in_a_full_batch_is_parked_alone_and_nothing_is_doubled(shop):
    good = [deliver(shop, 1000 + index, customer=index) for index in range(LIMIT // 2)]
    # A date no database takes (year one at +14:00), in the middle of the batch: retried or
    # parked at once, never stopping the others.
    poison = shopify_order(9_001, email="poison@example.com", customer_id=9_001)
    poison["created_at"] = poison["processed_at"] = "0001-01-01T00:00:00+14:00"
    body = json.dumps(poison).encode()
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-poison")
    bad = receive(shop, headers, body, verified=True)
    good += [deliver(shop, 1000 + index, customer=index) for index in range(LIMIT // 2, LIMIT)]
    good.append(deliver(shop, 2000, customer=5))  # a second order: a round of its own
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS + 2):
        after_id = 0
        while True:
            result = process_waiting(limit=LIMIT, now=now, after_id=after_id)
            if result.claimed == result.deferred:
                break
            after_id = result.resume_after
        now += timedelta(hours=2)

    bad.refresh_from_db()
    assert bad.state == DeliveryState.FAILED
    assert bad.error and bad.error_code
    others = WebhookDelivery.objects.filter(pk__in=[d.pk for d in good])
    assert set(others.values_list("state", flat=True)) == {DeliveryState.PROCESSED}
    assert set(others.values_list("attempts", flat=True)) == {1}
    assert not Order.objects.filter(external_id="9001").exists()
    assert_applied_once([str(1000 + i) for i in range(LIMIT)] + ["2000"])
