"""Shopify mapping (pure): every published sample, values read from the JSON by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.platforms import PayloadError, adapter_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks" / "shopify"
shopify = adapter_for("shopify")


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def events(name: str, topic: str) -> list[ev.ShopEvent]:
    return shopify.map(topic, shopify.parse(body(name)))


@pytest.mark.parametrize(
    "topic",
    ["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"],
)
def test_order_sample_maps_to_one_cancelled_test_order(topic):
    [order] = events("orders-create.json", topic)
    assert isinstance(order, ev.OrderUpserted)
    assert order.external_id == "820982911946154508"  # above 2^53: exact, as text
    assert order.number == "#9999"
    assert order.is_test is True
    assert order.status == "cancelled"
    assert order.currency == "USD"
    assert order.total == Decimal("404.95")
    assert order.shipping_total == Decimal("10.00")
    assert order.discount_total == Decimal("20.00")
    assert order.tax_total == Decimal("0.00")
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("SKU2006-001", 1, Decimal("89.99")),
        ("LENS-PROTECT-2YR", 1, Decimal("19.99")),
        ("CASE-LEATHER-PREM", 1, Decimal("24.99")),
        ("SKU2006-020", 1, Decimal("159.99")),
        ("SKU2006-035", 1, Decimal("119.99")),
    ]
    assert order.lines[0].external_id == "487817672276298554"
    # 19:00 at -05:00 is midnight UTC.
    assert order.placed_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert order.customer.external_id == "115310627314723954"
    assert order.customer.email == "john@example.com"
    assert (order.customer.first_name, order.customer.last_name) == ("John", "Smith")
    assert order.email == "jon@example.com"
    assert order.shipping_address["city"] == "Shippington"
    assert order.billing_address["postal_code"] == "40003"


def test_identify_reads_topic_delivery_id_and_order():
    info = shopify.identify(
        {"X-Shopify-Topic": "orders/updated", "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37"},
        body("orders-create.json"),
    )
    assert info.topic == "orders/updated"
    assert info.delivery_id == "b54557e4-bdd9-4b37"
    assert info.resource_key == "order:820982911946154508"
    assert info.resource_updated_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    assert info.is_ping is False


def test_identify_falls_back_to_event_id_per_topic():
    info = shopify.identify(
        {"X-Shopify-Topic": "orders/paid", "X-Shopify-Event-Id": "98880550-7158"},
        body("orders-create.json"),
    )
    assert info.delivery_id == "98880550-7158:orders/paid"


def test_order_delete():
    assert events("orders-delete.json", "orders/delete") == [
        ev.OrderDeleted(order_external_id="820982911946154508")
    ]


def test_fulfillment_carries_carrier_and_tracking():
    [shipment] = events("fulfillments-create.json", "fulfillments/create")
    assert shipment == ev.ShipmentRecorded(
        order_external_id="820982911946154508",
        external_id="123456",
        shipped_at=datetime(2022, 1, 1, 0, 0, tzinfo=UTC),
        carrier="UPS",
        tracking_number="1z827wk74630",
        tracking_url="https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630",
    )


def test_delivered_fulfillment_update_confirms_delivery():
    payload = json.loads(body("fulfillments-create.json"))
    payload["shipment_status"] = "delivered"
    payload["updated_at"] = "2022-01-03T10:00:00+01:00"
    mapped = shopify.map("fulfillments/update", payload)
    assert mapped[-1] == ev.DeliveryConfirmed(
        order_external_id="820982911946154508",
        shipment_external_id="123456",
        delivered_at=datetime(2022, 1, 3, 9, 0, tzinfo=UTC),
    )


def test_refund_sums_successful_refund_transactions():
    [refund] = events("refunds-create.json", "refunds/create")
    assert refund.order_external_id == "820982911946154508"
    assert refund.external_id == "890088186047892319"
    assert refund.amount == Decimal("85.00")  # 75.00 + 10.00
    assert refund.currency == ""  # the sample's transactions say null: the order's currency
    assert refund.reason == "Things were damaged"


def test_rest_refund_with_restock_is_also_a_return():
    payload = json.loads(body("rest-refund-shopify_python_api.json"))
    refund, returned = shopify.map("refunds/create", payload["refund"])
    assert refund.amount == Decimal("209.00")
    assert refund.currency == "USD"
    assert returned.order_external_id == "450789469"
    assert [(line.line_external_id, line.quantity) for line in returned.lines] == [
        ("703073504", 1),
        ("466157049", 1),
    ]
    assert returned.note == "it broke during shipping"


def test_customer_create():
    [upserted] = events("customers-create.json", "customers/create")
    assert upserted.customer.external_id == "706405506930370084"
    assert upserted.customer.email == "bob@biller.com"
    assert (upserted.customer.first_name, upserted.customer.last_name) == ("Bob", "Biller")
    assert upserted.customer.address["city"] == "Ottawa"
    assert upserted.updated_at == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)


def test_customer_delete():
    assert events("customers-delete.json", "customers/delete") == [
        ev.CustomerDeleted(customer_external_id="706405506930370084")
    ]


def test_consent_topic():
    [consent] = events(
        "customers_email_marketing_consent-update.json", "customers_email_marketing_consent/update"
    )
    assert consent.granted is False
    assert consent.customer_external_id == "706405506930370084"
    assert consent.email == "bob@biller.com"
    assert consent.changed_at is None


def test_customer_object_with_email_marketing_consent():
    payload = json.loads(body("customers-create.json"))
    payload["email_marketing_consent"] = {
        "state": "subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2022-02-01T08:00:00-05:00",
    }
    _, consent = shopify.map("customers/update", payload)
    assert consent.granted is True
    assert consent.changed_at == datetime(2022, 2, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "topic", "kind", "orders", "request_id"),
    [
        (
            "customers-data_request.json",
            "customers/data_request",
            "data_request",
            ("299938", "280263", "220458"),
            "9999",
        ),
        (
            "customers-redact.json",
            "customers/redact",
            "customer_redact",
            ("299938", "280263", "220458"),
            "",
        ),
        ("shop-redact.json", "shop/redact", "shop_redact", (), ""),
    ],
)
def test_privacy_topics(name, topic, kind, orders, request_id):
    [request] = events(name, topic)
    assert request.kind == kind
    assert request.order_external_ids == orders
    assert request.request_id == request_id
    if kind != "shop_redact":
        assert request.customer_external_id == "191167"
        assert request.email == "john@example.com"


def test_2017_sample_order():
    mapped = events("orders-sample-2017-laravel-shopify.json", "orders/create")
    order = mapped[0]
    assert order.total == Decimal("57.98")
    assert order.discount_total == Decimal("5.00")
    assert [(line.sku, line.unit_price) for line in order.lines] == [
        ("706405908216", Decimal("24.99")),
        ("706405907431", Decimal("27.99")),
    ]
    assert order.customer.email == "john@test.com"
    assert order.is_test is True
    # A test checkout's marketing box is no consent.
    assert len(mapped) == 1


def test_rest_order_object_maps_like_a_webhook():
    payload = json.loads(body("rest-order-shopify_python_api.json"))["order"]
    order, consent = shopify.map("orders/create", payload)
    assert order.external_id == "450789469"
    assert order.number == "#1001"
    assert order.is_test is False
    assert order.total == Decimal("409.94")
    assert order.tax_total == Decimal("11.94")
    assert [line.sku for line in order.lines] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert order.status == "placed"  # financial_status authorized, not fulfilled
    # Its one fulfilment failed: no shipment.
    assert consent.granted is False
    assert consent.detail == "accepts_marketing"


def test_guest_checkout_uses_order_email_and_billing_name():
    payload = json.loads(body("orders-create.json"))
    del payload["customer"]
    [order] = shopify.map("orders/create", payload)
    assert order.customer.external_id == ""
    assert order.customer.email == "jon@example.com"
    assert order.customer.first_name == "Steve"


@pytest.mark.parametrize(
    ("headers", "raw", "message"),
    [
        ({}, b"{}", "no X-Shopify-Topic"),
        ({"X-Shopify-Topic": "products/create"}, b"{}", "Unknown Shopify topic"),
        ({"X-Shopify-Topic": "orders/create"}, b"{not json", "not valid JSON"),
        ({"X-Shopify-Topic": "orders/create"}, b"[1, 2]", "must be a JSON object"),
        ({"X-Shopify-Topic": "orders/create"}, b'{"id": [1]}', "id must be a number"),
        ({"X-Shopify-Topic": "orders/create"}, b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_deliveries_get_clear_errors(headers, raw, message):
    with pytest.raises(PayloadError, match=message):
        shopify.identify(headers, raw)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": -1}, "between 1 and"),
        ({"quantity": "two"}, "whole number"),
        ({"price": "12,50"}, "not an amount"),
        ({"price": True}, "must be an amount"),
    ],
)
def test_bad_line_values(change, message):
    payload = json.loads(body("orders-create.json"))
    payload["line_items"][0].update(change)
    with pytest.raises(PayloadError, match=message):
        shopify.map("orders/create", payload)


def test_five_thousand_lines_are_refused():
    payload = json.loads(body("orders-create.json"))
    payload["line_items"] = payload["line_items"][:1] * 5000
    with pytest.raises(PayloadError, match="5000 lines; at most 1000"):
        shopify.map("orders/create", payload)


def test_timestamp_without_offset_is_refused():
    payload = json.loads(body("orders-create.json"))
    payload["created_at"] = payload["processed_at"] = "2021-12-31T19:00:00"
    with pytest.raises(PayloadError, match="no time zone"):
        shopify.map("orders/create", payload)


def test_absurd_amount_is_refused():
    payload = json.loads(body("orders-create.json"))
    payload["total_price"] = "1e15"
    with pytest.raises(PayloadError, match="out of range"):
        shopify.map("orders/create", payload)


def test_deeply_nested_body_is_a_payload_error():
    nested = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(PayloadError):
        shopify.identify({"X-Shopify-Topic": "orders/create"}, nested)


def test_long_line_names_are_cut_and_unicode_kept():
    payload = json.loads(body("orders-create.json"))
    payload["line_items"][0]["name"] = "Kaffeebohnen ☕ " * 100
    [order] = shopify.map("orders/create", payload)
    assert len(order.lines[0].name) == 300
    assert order.lines[0].name.startswith("Kaffeebohnen ☕ Kaffeebohnen")


def test_float_amounts_from_api_clients_are_read_exactly():
    payload = json.loads(body("orders-create.json"))  # stdlib json: prices as floats here
    payload["total_price"] = 404.95
    [order] = shopify.map("orders/create", payload)
    assert order.total == Decimal("404.95")
