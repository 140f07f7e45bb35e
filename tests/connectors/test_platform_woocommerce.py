"""WooCommerce mapping (pure): the published REST v3 examples, values read by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.platforms import PayloadError, adapter_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
woo = adapter_for("woocommerce")


def payload(name: str) -> dict:
    return woo.parse((FIXTURES / name).read_bytes())


def test_order_created_guest_order():
    [order] = woo.map("order.created", payload("webhooks/woocommerce/order-created.json"))
    assert order.external_id == "727"
    assert order.number == "727"
    assert order.status == "paid"  # processing
    assert order.currency == "USD"
    assert order.total == Decimal("29.35")
    assert order.shipping_total == Decimal("10.00")
    assert order.tax_total == Decimal("1.35")
    assert [
        (line.name, line.quantity, line.unit_price, line.total, line.sku) for line in order.lines
    ] == [
        ("Woo Single #1", 2, Decimal("3.00"), Decimal("6.00"), ""),
        (
            "Ship Your Idea \u2013 Color: Black, Size: M Test",
            1,
            Decimal("12.00"),
            Decimal("12.00"),
            "Bar3",
        ),
    ]
    # date_created_gmt 19:28:02 UTC (the local 16:28:02 has no offset and is not used).
    assert order.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert order.customer.external_id == ""  # customer_id 0: a guest
    assert order.customer.email == "john.doe@example.com"
    assert order.customer.phone == "(555) 555-5555"
    assert order.is_test is False


def test_order_updated_is_completed():
    [order] = woo.map("order.updated", payload("webhooks/woocommerce/order-updated.json"))
    assert order.status == "shipped"
    assert order.updated_at == datetime(2017, 3, 22, 19, 30, 35, tzinfo=UTC)


def test_erpnext_order_on_hold_in_rupees():
    [order] = woo.map("order.created", payload("webhooks/woocommerce/order-created-erpnext.json"))
    assert order.external_id == "205"
    assert order.status == "placed"
    assert order.currency == "INR"
    assert order.total == Decimal("17.70")
    assert order.tax_total == Decimal("2.70")
    assert [(line.sku, line.unit_price) for line in order.lines] == [
        ("woo-album", Decimal("15.00"))
    ]
    assert order.customer.external_id == "1"
    assert order.customer.email == "strange@erpnext.com"
    assert order.placed_at == datetime(2021, 11, 30, 7, 32, 10, tzinfo=UTC)
    assert order.shipping_address == {}


def test_refunds_and_tracking_items():
    mapped = woo.map(
        "order.updated", payload("webhooks-own/woocommerce-order-refunded-tracked.json")
    )
    _, refund, shipment = mapped
    assert refund.external_id == "730"
    assert refund.amount == Decimal("6.00")
    assert refund.currency == "USD"
    assert refund.refunded_at == datetime(2017, 3, 23, 12, 0, tzinfo=UTC)
    assert shipment.tracking_number == "1Z999AA10123456784"
    assert shipment.carrier == "ups"
    assert shipment.external_id == "8f3e2a"
    assert shipment.shipped_at == datetime(2017, 3, 23, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["customer-created.json", "customer-updated.json"])
def test_customers(name):
    [upserted] = woo.map("customer.created", payload(f"webhooks/woocommerce/{name}"))
    assert upserted.customer.external_id == "25"
    assert upserted.customer.email == "john.doe@example.com"
    assert upserted.customer.last_name == "Doe"
    expected = "John" if name == "customer-created.json" else "James"
    assert upserted.customer.first_name == expected


def test_deleted_topics_carry_only_the_id():
    assert woo.map("order.deleted", {"id": 727}) == [ev.OrderDeleted(order_external_id="727")]
    assert woo.map("customer.deleted", {"id": 25}) == [
        ev.CustomerDeleted(customer_external_id="25")
    ]


def test_identify_order_update():
    raw = (FIXTURES / "webhooks/woocommerce/order-updated.json").read_bytes()
    info = woo.identify(
        {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Delivery-ID": "a1b2"}, raw
    )
    assert info.topic == "order.updated"
    assert info.resource_key == "order:727"
    assert info.delivery_id.startswith("a1b2:")
    assert info.resource_updated_at == datetime(2017, 3, 22, 19, 30, 35, tzinfo=UTC)


def test_ping_on_webhook_creation():
    info = woo.identify({"Content-Type": "application/x-www-form-urlencoded"}, b"webhook_id=17")
    assert info.is_ping is True
    assert woo.map(info.topic, {}) == []


def test_missing_and_unknown_topics():
    with pytest.raises(PayloadError, match="no X-WC-Webhook-Topic"):
        woo.identify({}, b'{"id": 1}')
    with pytest.raises(PayloadError, match="Unknown WooCommerce topic"):
        woo.identify({"X-WC-Webhook-Topic": "coupon.created"}, b'{"id": 1}')


def test_negative_quantity_is_refused():
    order = payload("webhooks/woocommerce/order-created.json")
    order["line_items"][0]["quantity"] = -2
    with pytest.raises(PayloadError, match="between 1 and"):
        woo.map("order.created", order)


def test_checkout_draft_is_no_order_yet():
    order = payload("webhooks/woocommerce/order-created.json")
    order["status"] = "checkout-draft"
    assert woo.map("order.updated", order) == []
    assert json.dumps(order)  # unchanged input stays serializable
