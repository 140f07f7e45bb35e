"""Several workers draining the inbox at once on PostgreSQL (real threads, real row locks)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.shop.models import Order, OrderLine
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one worker; row locks need PostgreSQL",
    ),
]

ORDERS = 12
UPDATES = 5
WORKERS = 4


def run_in_threads(count: int, target) -> list[BaseException]:
    """Start ``count`` threads at the same moment; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            barrier.wait()
            target(number)
        except BaseException as error:  # collected and asserted in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def shop():
    return connect_shop(by=None, name="Kaffee", platform="shopify", webhook_secret=SECRET).shop


def test_the_same_delivery_posted_twice_at_once_is_stored_once_as_first(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-twice")

    errors = run_in_threads(6, lambda _n: receive(shop, headers, body, verified=True))

    assert errors == []
    states = Counter(WebhookDelivery.objects.values_list("state", flat=True))
    assert states == {DeliveryState.RECEIVED: 1, DeliveryState.DUPLICATE: 5}


def test_several_workers_apply_each_delivery_once_and_the_newest_update_wins(shop):
    # Each order gets UPDATES versions; version v has one line of v+1 items at 10.00 * (v+1),
    # so the newest total is known by hand: UPDATES items x UPDATES x 10.00.
    for version in range(UPDATES):
        for order in range(ORDERS):
            headers, body = shopify_delivery(
                9000 + order,
                webhook_id=f"w-{order}-{version}",
                updated_at=f"2026-03-01T10:{version:02d}:00+01:00",
                unit_price=f"{10 * (version + 1)}.00",
                quantity=version + 1,
            )
            receive(shop, headers, body, verified=True)

    def drain(_number: int) -> None:
        # Deferred deliveries (an older one of the same order was still open) come due again
        # after a short wait; on a loaded machine that can take a few rounds.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result = process_waiting(limit=7)
            if result.processed == 0:
                if not WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED).exists():
                    return
                threading.Event().wait(0.5)

    errors = run_in_threads(WORKERS, drain)

    assert errors == []
    deliveries = WebhookDelivery.objects.all()
    assert {d.state for d in deliveries} == {DeliveryState.PROCESSED}, [
        (d.delivery_id, d.error) for d in deliveries if d.error
    ][:5]
    # attempts counts every time a worker took the delivery: 1 means applied exactly once.
    assert {d.attempts for d in deliveries} == {1}
    assert Order.objects.count() == ORDERS
    newest_total = UPDATES * 10 * UPDATES
    for order in Order.objects.all():
        assert order.total == newest_total, order.external_id
        assert OrderLine.objects.filter(order=order).count() == 1
        placed = Activity.objects.filter(
            kind=ActivityKind.ORDER_PLACED, subject_id=order.pk
        ).count()
        assert placed == 1
