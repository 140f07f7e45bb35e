"""Our own JSON format for shop systems without an adapter (schemas/generic-v1.json).

Signature: ``X-Stammkunde-Signature: sha256=<lowercase hex HMAC-SHA256 of the raw body>``,
keyed with the shop's webhook secret. Each body is one event, checked against the JSON schema
by the small validator below (the subset of JSON Schema the schema uses), then mapped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    ZERO,
    CustomerData,
    CustomerUpserted,
    DeliveryConfirmed,
    LineData,
    MarketingConsentChanged,
    OrderCancelled,
    OrderDeleted,
    OrderUpserted,
    RefundRecorded,
    ReturnedLine,
    ReturnRecorded,
    ShipmentRecorded,
    ShopEvent,
    WithdrawalRecorded,
)
from stammkunde.connectors.platforms.base import (
    DeliveryInfo,
    PayloadError,
    amount,
    currency,
    load_json,
    lower_headers,
    mapping,
    matches_hex,
    required_timestamp,
    timestamp,
)
from stammkunde.shop.models import OrderStatus, ReturnReason

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "generic-v1.json"
SIGNATURE_HEADER = "x-stammkunde-signature"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(value: Any) -> None:
    """Raise PayloadError naming the first place where ``value`` breaks the schema."""
    root = schema()
    _check(value, root, root, "$")


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}


def _fail(path: str, message: str) -> None:
    raise PayloadError(_("%(path)s: %(message)s") % {"path": path, "message": message})


def _check(value: Any, rule: dict, root: dict, path: str) -> None:
    if "$ref" in rule:
        name = rule["$ref"].removeprefix("#/$defs/")
        _check(value, root["$defs"][name], root, path)
    kind = rule.get("type")
    if kind and not _TYPES[kind](value):
        _fail(path, _("must be of type %(type)s") % {"type": kind})
    if "const" in rule and value != rule["const"]:
        _fail(path, _("must be %(value)s") % {"value": rule["const"]})
    if "enum" in rule and value not in rule["enum"]:
        _fail(path, _("must be one of %(values)s") % {"values": ", ".join(map(str, rule["enum"]))})
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0):
            _fail(path, _("must not be empty"))
        if len(value) > rule.get("maxLength", len(value)):
            _fail(path, _("is longer than %(max)d characters") % {"max": rule["maxLength"]})
        if "pattern" in rule and not re.search(rule["pattern"], value):
            _fail(path, _("has the wrong format: %(value)s") % {"value": value[:40]})
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not rule.get("minimum", value) <= value <= rule.get("maximum", value)
    ):
        _fail(path, _("is out of range: %(value)s") % {"value": value})
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0):
            _fail(path, _("needs at least %(min)d entries") % {"min": rule["minItems"]})
        if len(value) > rule.get("maxItems", len(value)):
            _fail(path, _("has more than %(max)d entries") % {"max": rule["maxItems"]})
        for index, item in enumerate(value):
            _check(item, rule.get("items", {}), root, f"{path}[{index}]")
    if isinstance(value, dict):
        for name in rule.get("required", []):
            if name not in value:
                _fail(f"{path}.{name}", _("is missing"))
        properties = rule.get("properties", {})
        for name, item in value.items():
            if name in properties:
                _check(item, properties[name], root, f"{path}.{name}")
            elif rule.get("additionalProperties") is False:
                _fail(f"{path}.{name}", _("is not a known field"))
    for part in rule.get("allOf", []):
        condition = part.get("if")
        if condition is None:
            _check(value, part, root, path)
        elif _matches(value, condition, root):
            _check(value, part.get("then", {}), root, path)


def _matches(value: Any, rule: dict, root: dict) -> bool:
    try:
        _check(value, rule, root, "$")
    except PayloadError:
        return False
    return True


class GenericAdapter:
    platform = "generic"

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> bool:
        signature = lower_headers(headers).get(SIGNATURE_HEADER, "").strip()
        if not signature.startswith("sha256="):
            return False
        return matches_hex(secret, body, signature.removeprefix("sha256="))

    def parse(self, body: bytes) -> Any:
        return load_json(body)

    def identify(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo:
        payload = load_json(body)
        validate(payload)
        data = payload["data"]
        kind = payload["type"]
        if kind == "customer.upserted":
            key = f"customer:{data['id']}" if data.get("id") else ""
            updated_at = timestamp(data.get("updated_at"), "updated_at")
        elif kind == "consent.changed":
            key = f"customer:{data['customer_id']}" if data.get("customer_id") else ""
            updated_at = None
        else:
            key = f"order:{data.get('order_id') or data.get('id')}"
            updated_at = timestamp(data.get("updated_at"), "updated_at")
        return DeliveryInfo(
            topic=kind, delivery_id=payload["id"], resource_key=key, resource_updated_at=updated_at
        )

    @mapping
    def map(self, topic: str, payload: Any) -> list[ShopEvent]:
        validate(payload)
        if topic != payload["type"]:
            raise PayloadError(
                _("The topic %(topic)s does not match the body's type.") % {"topic": topic[:100]}
            )
        return [_map(topic, payload["data"], is_test=payload.get("test") is True)]


def _money(value: str | None, what: str) -> Decimal:
    return amount(value, what, default=ZERO)


def _customer(data: dict) -> CustomerData:
    return CustomerData(
        external_id=data.get("id", ""),
        email=data.get("email", ""),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        company=data.get("company", ""),
        address=data.get("address", {}),
    )


def _map(topic: str, data: dict, *, is_test: bool) -> ShopEvent:
    time = required_timestamp
    if topic == "order.upserted":
        customer = _customer(data["customer"]) if "customer" in data else None
        return OrderUpserted(
            external_id=data["id"],
            number=data.get("number", ""),
            placed_at=time(data["placed_at"], "placed_at"),
            updated_at=timestamp(data.get("updated_at"), "updated_at"),
            currency=currency(data["currency"]),
            status=OrderStatus(data.get("status", OrderStatus.PLACED)),
            lines=tuple(
                LineData(
                    name=line["name"],
                    quantity=line["quantity"],
                    unit_price=_money(line["unit_price"], "unit_price"),
                    total=amount(line["total"], "total") if "total" in line else None,
                    sku=line.get("sku", ""),
                    external_id=line.get("id", ""),
                )
                for line in data["lines"]
            ),
            shipping_total=_money(data.get("shipping_total"), "shipping_total"),
            discount_total=_money(data.get("discount_total"), "discount_total"),
            tax_total=_money(data.get("tax_total"), "tax_total"),
            total=amount(data["total"], "total") if "total" in data else None,
            customer=customer,
            email=data.get("email") or (customer.email if customer else ""),
            billing_address=data.get("billing_address", {}),
            shipping_address=data.get("shipping_address", {}),
            is_test=is_test,
            discount_codes=tuple(data.get("discount_codes", ())),
        )
    order_id = data.get("order_id", "")
    if topic == "order.cancelled":
        return OrderCancelled(
            order_external_id=order_id,
            cancelled_at=timestamp(data.get("cancelled_at"), "cancelled_at"),
            reason=data.get("reason", ""),
            is_test=is_test,
        )
    if topic == "order.deleted":
        return OrderDeleted(order_external_id=order_id, is_test=is_test)
    if topic == "shipment.created":
        return ShipmentRecorded(
            order_external_id=order_id,
            external_id=data["id"],
            shipped_at=time(data["shipped_at"], "shipped_at"),
            carrier=data.get("carrier", ""),
            tracking_number=data.get("tracking_number", ""),
            tracking_url=data.get("tracking_url", ""),
            is_test=is_test,
        )
    if topic == "delivery.confirmed":
        return DeliveryConfirmed(
            order_external_id=order_id,
            shipment_external_id=data.get("shipment_id", ""),
            delivered_at=time(data["delivered_at"], "delivered_at"),
            is_test=is_test,
        )
    if topic == "refund.created":
        return RefundRecorded(
            order_external_id=order_id,
            external_id=data["id"],
            amount=_money(data["amount"], "amount"),
            currency=data.get("currency", ""),
            refunded_at=time(data["refunded_at"], "refunded_at"),
            reason=data.get("reason", ""),
            is_test=is_test,
        )
    if topic == "return.created":
        return ReturnRecorded(
            order_external_id=order_id,
            external_id=data["id"],
            announced_at=time(data["announced_at"], "announced_at"),
            reason=ReturnReason(data.get("reason", ReturnReason.OTHER)),
            lines=tuple(
                ReturnedLine(
                    quantity=line["quantity"],
                    line_external_id=line.get("line_id", ""),
                    sku=line.get("sku", ""),
                )
                for line in data.get("lines", [])
            ),
            note=data.get("note", ""),
            is_test=is_test,
        )
    if topic == "withdrawal.received":
        return WithdrawalRecorded(
            order_external_id=order_id,
            external_id=data["id"],
            declared_at=time(data["declared_at"], "declared_at"),
            channel=data.get("channel", ""),
            note=data.get("note", ""),
            is_test=is_test,
        )
    if topic == "customer.upserted":
        return CustomerUpserted(
            customer=_customer(data),
            updated_at=timestamp(data.get("updated_at"), "updated_at"),
            is_test=is_test,
        )
    return MarketingConsentChanged(
        granted=data["granted"],
        customer_external_id=data.get("customer_id", ""),
        email=data.get("email", ""),
        channel=data.get("channel", "email"),
        changed_at=timestamp(data.get("changed_at"), "changed_at"),
        detail="generic",
        is_test=is_test,
    )
