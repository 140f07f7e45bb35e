"""The CPU work of an inbox batch (parsing, mapping, the batch path's order inputs) is done before
its write transaction, which on SQLite holds the one write lock the web processes need; and the
drain sizes its batches so that each write transaction stays short."""

from __future__ import annotations

import pytest
from django.db import connection

from stammkunde.connectors.inbox import applying, processing
from stammkunde.connectors.inbox.applying import BatchResult
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting, receive
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.platforms import adapter_for
from stammkunde.shop.models import Order
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery


@pytest.fixture
def shop(transactional_db):
    return connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    ).shop


def receive_orders(shop, order_ids) -> None:
    for order_id in order_ids:
        headers, body = shopify_delivery(
            order_id,
            webhook_id=f"w-{order_id}",
            topic="orders/create",
            email=f"buyer{order_id}@example.com",
            customer_id=order_id,
        )
        receive(shop, headers, body, verified=True)


def test_deliveries_are_mapped_outside_any_transaction(shop, monkeypatch):
    receive_orders(shop, [7101, 7102, 7103])
    in_transaction = []

    class RecordingAdapter:
        def __init__(self, platform):
            self.real = adapter_for(platform)

        def parse(self, body):
            in_transaction.append(connection.in_atomic_block)
            return self.real.parse(body)

        def map(self, topic, payload):
            return self.real.map(topic, payload)

    monkeypatch.setattr(applying, "adapter_for", RecordingAdapter)

    result = process_waiting(limit=200)

    assert result.processed == 3
    assert in_transaction == [False, False, False]


def test_a_delivery_the_preparation_missed_is_mapped_and_applied_in_the_batch(shop, monkeypatch):
    """A delivery claimed without having been prepared (committed after the preparation read,
    or held by another worker then) is read and mapped in the write transaction."""
    receive_orders(shop, [7201, 7202, 7203])
    missed = WebhookDelivery.objects.get(delivery_id="w-7202").id
    real_prepare = processing._prepare

    def prepare_all_but_one(**options):
        preparation = real_prepare(**options)
        preparation.mapped.pop(missed)
        preparation.prepared.pop(missed)
        return preparation

    monkeypatch.setattr(processing, "_prepare", prepare_all_but_one)

    result = process_waiting(limit=200)

    assert result.processed == 3
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.PROCESSED}
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["7201", "7202", "7203"]


def test_a_body_that_cannot_be_parsed_is_parked_with_its_reason(shop):
    headers, _body = shopify_delivery(7301, webhook_id="w-broken", topic="orders/create")
    receive(shop, headers, b'{"id": 7301, "line_items": "no list"}', verified=True)
    receive_orders(shop, [7302])

    process_waiting(limit=200)

    broken = WebhookDelivery.objects.get(delivery_id="w-broken")
    assert broken.state == DeliveryState.FAILED
    assert broken.error
    assert WebhookDelivery.objects.get(delivery_id="w-7302").state == DeliveryState.PROCESSED


def test_the_next_batch_is_sized_to_the_write_budget():
    # 100 deliveries took twice the budget: half as many next time.
    slow = BatchResult(claimed=100, write_seconds=2 * processing.WRITE_BUDGET_SECONDS)
    assert processing.next_limit(slow) == 50


def test_the_next_batch_grows_by_half_at_most_and_stays_within_its_bounds():
    quick = BatchResult(claimed=40, write_seconds=processing.WRITE_BUDGET_SECONDS / 10)
    assert processing.next_limit(quick) == 60
    many = BatchResult(claimed=190, write_seconds=processing.WRITE_BUDGET_SECONDS / 10)
    assert processing.next_limit(many) == processing.BATCH_SIZE
    very_slow = BatchResult(claimed=20, write_seconds=100 * processing.WRITE_BUDGET_SECONDS)
    assert processing.next_limit(very_slow) == 10
    assert processing.next_limit(BatchResult()) == 10
