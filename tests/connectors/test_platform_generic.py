"""The generic format: schema checks and mapping of every example."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.platforms import PayloadError, adapter_for

OWN = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks-own"
generic = adapter_for("generic")


def load(name: str) -> dict:
    return json.loads((OWN / name).read_text())


def test_order_upserted():
    body = (OWN / "generic-order-upserted.json").read_bytes()
    info = generic.identify({}, body)
    assert (info.topic, info.delivery_id, info.resource_key) == (
        "order.upserted",
        "evt-1001",
        "order:A-1001",
    )
    [order] = generic.map(info.topic, generic.parse(body))
    assert order.total is None  # computed from the lines when applied
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("ESP-1KG", 2, Decimal("18.90")),
        ("MK", 1, Decimal("12.50")),
    ]
    assert order.placed_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert order.customer.external_id == "C-77"
    assert order.status == "paid"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("generic-shipment-created.json", ev.ShipmentRecorded),
        ("generic-delivery-confirmed.json", ev.DeliveryConfirmed),
        ("generic-return-created.json", ev.ReturnRecorded),
        ("generic-refund-created.json", ev.RefundRecorded),
        ("generic-withdrawal-received.json", ev.WithdrawalRecorded),
        ("generic-customer-upserted.json", ev.CustomerUpserted),
        ("generic-consent-changed.json", ev.MarketingConsentChanged),
        ("generic-order-cancelled.json", ev.OrderCancelled),
    ],
)
def test_every_example_maps(name, kind):
    payload = load(name)
    [event] = generic.map(payload["type"], payload)
    assert isinstance(event, kind)


def test_refund_amount_is_exact():
    [refund] = generic.map("refund.created", load("generic-refund-created.json"))
    assert refund.amount == Decimal("12.50")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("type"), r"\$.type: is missing"),
        (lambda p: p.update(type="order.exploded"), "must be one of"),
        (lambda p: p["data"]["lines"][0].update(unit_price=18.9), "must be of type string"),
        (lambda p: p["data"]["lines"][0].update(quantity=-2), "out of range"),
        (lambda p: p["data"].update(placed_at="02.03.2026"), "wrong format"),
        (lambda p: p["data"].update(lines=[]), "at least 1"),
        (lambda p: p["data"].update(colour="red"), "not a known field"),
        (lambda p: p["data"].update(lines=p["data"]["lines"] * 501), "more than 1000"),
    ],
)
def test_schema_violations_are_named(change, message):
    payload = load("generic-order-upserted.json")
    change(payload)
    with pytest.raises(PayloadError, match=message):
        generic.identify({}, json.dumps(payload).encode())


def test_schema_file_is_valid_json_schema_shape():
    from stammkunde.connectors.platforms.generic import schema

    assert set(schema()["properties"]["type"]["enum"]) >= {
        "order.upserted",
        "shipment.created",
        "consent.changed",
    }


def test_long_note_is_refused_by_the_schema():
    payload = load("generic-return-created.json")
    payload["data"]["note"] = "x" * 10_001
    with pytest.raises(PayloadError, match="longer than 10000"):
        generic.map("return.created", payload)


def test_topic_must_match_the_body():
    with pytest.raises(PayloadError, match="does not match"):
        generic.map("refund.created", load("generic-return-created.json"))


def test_discount_codes_are_mapped_and_checked_by_the_schema():
    payload = load("generic-order-upserted.json")
    payload["data"]["discount_codes"] = ["KUL-7Q4X-M9TB"]
    [order] = generic.map("order.upserted", payload)
    assert order.discount_codes == ("KUL-7Q4X-M9TB",)
    payload["data"]["discount_codes"] = ["x" * 65]
    with pytest.raises(PayloadError):
        generic.map("order.upserted", payload)
