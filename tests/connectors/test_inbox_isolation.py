"""One delivery that makes processing fail, whatever the exception, never stops the inbox: it is
retried, then parked with its reason, and every other delivery (of any shop) is processed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.connectors.inbox import applying
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import MAX_ATTEMPTS, process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.shop.models import Order
from tests.connectors.test_inbox_helpers import shopify_headers, shopify_order

pytestmark = pytest.mark.django_db

SECOND_SECRET = "second-shop-secret"


@pytest.fixture
def shops(db):
    first = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret="test-webhook-secret"
    )
    second = connect_shop(
        by=None, name="Teehaus Nord", platform="shopify", webhook_secret=SECOND_SECRET
    )
    return first, second


def post_order(client, connection, order: dict, *, webhook_id: str, secret: str):
    body = json.dumps(order).encode()
    headers = shopify_headers(body, topic="orders/create", webhook_id=webhook_id, secret=secret)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    response = client.post(
        connection.webhook_path, data=body, content_type="application/json", **extra
    )
    assert response.status_code == 200
    return WebhookDelivery.objects.get(shop=connection.shop, delivery_id=webhook_id)


def drain_until_settled(*, rounds: int = MAX_ATTEMPTS + 1) -> None:
    """Drain like the worker does, jumping the clock past each retry's pause."""
    now = timezone.now()
    for _round in range(rounds):
        process_waiting(limit=200, now=now)
        now += timedelta(hours=2)


def test_a_delivery_with_a_year_one_date_is_parked_and_every_shop_keeps_flowing(client, shops):
    first, second = shops
    poison = shopify_order(9001, email="poison@example.com", customer_id=9001)
    poison["created_at"] = poison["processed_at"] = "0001-01-01T00:00:00+14:00"
    bad = post_order(client, first, poison, webhook_id="w-poison", secret="test-webhook-secret")
    good_same_shop = post_order(
        client,
        first,
        shopify_order(9002, email="ok1@example.com", customer_id=9002),
        webhook_id="w-ok-1",
        secret="test-webhook-secret",
    )
    good_other_shop = post_order(
        client,
        second,
        shopify_order(9003, email="ok2@example.com", customer_id=9003),
        webhook_id="w-ok-2",
        secret=SECOND_SECRET,
    )

    process_waiting(limit=200)

    assert WebhookDelivery.objects.get(pk=good_same_shop.pk).state == DeliveryState.PROCESSED
    assert WebhookDelivery.objects.get(pk=good_other_shop.pk).state == DeliveryState.PROCESSED
    assert {"9002", "9003"} <= set(Order.objects.values_list("external_id", flat=True))

    drain_until_settled()

    bad.refresh_from_db()
    assert bad.state == DeliveryState.FAILED
    assert bad.error  # why: the implausible date (core.plausible), or whatever failed
    assert not Order.objects.filter(external_id="9001").exists()


def test_any_exception_in_the_batch_path_is_isolated_to_its_delivery(client, shops, monkeypatch):
    """Even an error the batch path does not expect (here: raised for one order while the batch
    is applied) parks only the delivery that caused it."""
    from stammkunde.connectors import batch_applying

    first, second = shops
    real = batch_applying.apply_batch

    def explode_on_the_bad_order(shop, batch, **options):
        for events in batch:
            for event in events or []:
                if getattr(event, "external_id", "") == "9101":
                    raise ZeroDivisionError("boom in the batch path")
        return real(shop, batch, **options)

    monkeypatch.setattr(batch_applying, "apply_batch", explode_on_the_bad_order)
    real_one = applying.apply_with_race_retries

    def explode_one_by_one_too(delivery, **options):
        if delivery.delivery_id == "w-bad":
            raise ZeroDivisionError("boom one by one")
        return real_one(delivery, **options)

    monkeypatch.setattr(applying, "apply_with_race_retries", explode_one_by_one_too)
    post_order(
        client,
        first,
        shopify_order(9101, email="bad@example.com", customer_id=9101),
        webhook_id="w-bad",
        secret="test-webhook-secret",
    )
    post_order(
        client,
        first,
        shopify_order(9102, email="ok1@example.com", customer_id=9102),
        webhook_id="w-ok-1",
        secret="test-webhook-secret",
    )
    post_order(
        client,
        second,
        shopify_order(9103, email="ok2@example.com", customer_id=9103),
        webhook_id="w-ok-2",
        secret=SECOND_SECRET,
    )

    drain_until_settled()

    states = dict(WebhookDelivery.objects.values_list("delivery_id", "state"))
    assert states == {
        "w-bad": DeliveryState.FAILED,
        "w-ok-1": DeliveryState.PROCESSED,
        "w-ok-2": DeliveryState.PROCESSED,
    }
    bad = WebhookDelivery.objects.get(delivery_id="w-bad")
    assert bad.attempts == MAX_ATTEMPTS
    assert "ZeroDivisionError: boom one by one" in bad.error
    assert set(Order.objects.values_list("external_id", flat=True)) == {"9102", "9103"}


def test_a_failure_outside_any_delivery_savepoint_is_pinned_on_the_delivery(
    client, shops, monkeypatch
):
    """If the batch as a whole fails (here: recording one delivery's outcome), its deliveries
    are worked one by one, each in its own transaction, and only the culprit is charged."""
    first, _second = shops
    for number in (9201, 9202):
        post_order(
            client,
            first,
            shopify_order(number, email=f"c{number}@example.com", customer_id=number),
            webhook_id=f"w-{number}",
            secret="test-webhook-secret",
        )
    real = applying.mark_processed

    def fail_for_one(delivery, events, applied, *, now):
        if delivery.delivery_id == "w-9201":
            raise RuntimeError("cannot record this one")
        return real(delivery, events, applied, now=now)

    monkeypatch.setattr(applying, "mark_processed", fail_for_one)

    drain_until_settled()

    states = dict(WebhookDelivery.objects.values_list("delivery_id", "state"))
    assert states == {"w-9201": DeliveryState.FAILED, "w-9202": DeliveryState.PROCESSED}
    culprit = WebhookDelivery.objects.get(delivery_id="w-9201")
    assert "RuntimeError: cannot record this one" in culprit.error
    assert set(Order.objects.values_list("external_id", flat=True)) == {"9202"}
