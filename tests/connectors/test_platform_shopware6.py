"""Shopware 6 mapping (pure): the published order entity and app webhook envelopes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.platforms import PayloadError, adapter_for
from stammkunde.connectors.platforms.shopware6 import map_order_entity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
shopware = adapter_for("shopware6")
ORDER_ID = "8f69d4874c53486a95383b2126161738"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_published_order_entity():
    entity = shopware.parse(raw("webhooks/shopware6/app-payment-pay-request-app-php-sdk.json"))[
        "order"
    ]
    [order] = map_order_entity(entity)
    assert order.external_id == ORDER_ID
    assert order.number == "10077"
    assert order.currency == "EUR"
    assert order.total == Decimal("395.01")
    assert order.status == "placed"  # order open, transaction open, delivery open
    [line] = order.lines
    assert (line.name, line.quantity, line.unit_price) == (
        "Aerodynamic Bronze Slo-Cooked Prawns",
        1,
        Decimal("395.01"),
    )
    assert order.customer.email == "test@example.com"
    assert order.customer.external_id == "5e5d6cd8917c45839b2f6aa7b4bf1425"
    assert (order.customer.first_name, order.customer.last_name) == ("Max", "Mustermann")
    assert order.placed_at == datetime(2023, 5, 4, 13, 36, 26, 557000, tzinfo=UTC)
    assert order.billing_address["street"] == "Bahnhofstraße 27"
    assert order.shipping_address["city"] == "Schöppingen"


def test_checkout_order_placed_webhook():
    body = raw("webhooks-own/shopware6-checkout-order-placed.json")
    info = shopware.identify({}, body)
    assert info.topic == "checkout.order.placed"
    assert info.delivery_id == "0b8a1c2e5f6d4e7a9b3c1d2e3f4a5b6c"
    assert info.resource_key == f"order:{ORDER_ID}"
    [order] = shopware.map(info.topic, shopware.parse(body))
    assert order.number == "10077"


def test_delivery_shipped_has_tracking_code():
    body = raw("webhooks-own/shopware6-delivery-shipped.json")
    order, shipment = shopware.map("state_enter.order_delivery.state.shipped", shopware.parse(body))
    assert order.status == "shipped"
    assert shipment == ev.ShipmentRecorded(
        order_external_id=ORDER_ID,
        external_id="ae11f8bd3291451289919b55ed65a321",
        shipped_at=datetime(2023, 5, 5, 9, 12, tzinfo=UTC),
        carrier="DHL Paket",
        tracking_number="00340434161094042557",
    )


def test_order_cancelled():
    body = raw("webhooks-own/shopware6-order-cancelled.json")
    order, cancelled = shopware.map("state_enter.order.state.cancelled", shopware.parse(body))
    assert order.status == "cancelled"
    assert cancelled.order_external_id == ORDER_ID


def test_transaction_refunded():
    body = raw("webhooks-own/shopware6-transaction-refunded.json")
    mapped = shopware.map("state_enter.order_transaction.state.refunded", shopware.parse(body))
    refund = mapped[-1]
    assert refund.amount == Decimal("395.01")
    assert refund.currency == "EUR"
    assert mapped[0].status == "returned"


def test_entity_write_and_lifecycle_events_map_to_nothing():
    product = raw("webhooks/shopware6/product-written.json")
    info = shopware.identify({}, product)
    assert info.delivery_id == "7b04ebe416db4ebc93de4d791325e1d9"
    assert shopware.map(info.topic, shopware.parse(product)) == []
    deleted = shopware.identify({}, raw("webhooks/shopware6/app-deleted.json"))
    assert deleted.is_ping is True


def test_unknown_event_and_missing_event():
    with pytest.raises(PayloadError, match="Unknown Shopware event"):
        shopware.identify({}, b'{"data": {"event": "foo.bar", "payload": {}}}')
    with pytest.raises(PayloadError, match="no event name"):
        shopware.identify({}, b'{"data": {"payload": {}}}')
    with pytest.raises(PayloadError, match="data must be a JSON object"):
        shopware.identify({}, b'{"data": 5}')
