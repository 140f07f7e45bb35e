"""Signed order deliveries of every platform, from the published examples, with chosen values.

(No tests here.) Each platform's order example gets its own order id and delivery id; the
fields that carry the order's time and money are named by a path, so a test can put any value
there (a year-1 time, a huge amount, null, a list ...) and post the delivery signed as the
platform would sign it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SECRET = "test-webhook-secret"


@cache
def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def _base64_signature(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def _hex_signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def _shopify(order_id: int) -> tuple[dict, Callable[[bytes, str], dict]]:
    order = copy.deepcopy(_fixture("webhooks/shopify/orders-create.json"))
    order.update(id=order_id, name=f"#{order_id}", test=False, refunds=[], fulfillments=[])

    def headers(body: bytes, delivery_id: str) -> dict:
        return {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": delivery_id,
            "X-Shopify-Hmac-Sha256": _base64_signature(body),
        }

    return order, headers


def _woocommerce(order_id: int) -> tuple[dict, Callable[[bytes, str], dict]]:
    order = copy.deepcopy(_fixture("webhooks/woocommerce/order-created.json"))
    order.update(id=order_id, number=str(order_id))

    def headers(body: bytes, delivery_id: str) -> dict:
        return {
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Delivery-ID": delivery_id,
            "X-WC-Webhook-Signature": _base64_signature(body),
        }

    return order, headers


def _shopware6(order_id: int) -> tuple[dict, Callable[[bytes, str], dict]]:
    envelope = copy.deepcopy(_fixture("webhooks-own/shopware6-checkout-order-placed.json"))
    order = envelope["data"]["payload"]["order"]
    order.update(id=f"{order_id:032x}", orderNumber=str(order_id))

    def headers(body: bytes, delivery_id: str) -> dict:
        return {"shopware-shop-signature": _hex_signature(body)}

    return envelope, headers


def _generic(order_id: int) -> tuple[dict, Callable[[bytes, str], dict]]:
    event = copy.deepcopy(_fixture("webhooks-own/generic-order-upserted.json"))
    event["data"]["id"] = f"A-{order_id}"

    def headers(body: bytes, delivery_id: str) -> dict:
        return {"X-Stammkunde-Signature": "sha256=" + _hex_signature(body)}

    return event, headers


@dataclass(frozen=True)
class Platform:
    name: str
    build: Callable[[int], tuple[dict, Callable[[bytes, str], dict]]]
    # Paths (keys and list indexes) of the fields that carry the order's times and amounts.
    times: tuple[tuple[Any, ...], ...]
    amounts: tuple[tuple[Any, ...], ...]
    # Where a delivery's own id goes into the body (Shopware and the generic format carry it
    # there; the others in a header).
    id_path: tuple[Any, ...] = ()

    def delivery(self, order_id: int, changes: dict[tuple, Any]) -> tuple[dict, bytes]:
        """Headers and body of one signed order delivery, with ``changes`` (path -> value)."""
        payload, headers = self.build(order_id)
        delivery_id = f"fuzz-{order_id}"
        if self.id_path:
            _put(payload, self.id_path, delivery_id)
        for path, value in changes.items():
            _put(payload, path, value)
        body = json.dumps(payload, default=str).encode()
        return headers(body, delivery_id), body


def _put(payload: Any, path: tuple, value: Any) -> None:
    *parents, last = path
    for key in parents:
        payload = payload[key]
    payload[last] = value


_SHOPWARE_ORDER = ("data", "payload", "order")
PLATFORMS = {
    "shopify": Platform(
        "shopify",
        _shopify,
        times=(("created_at",), ("processed_at",), ("updated_at",)),
        amounts=(
            ("total_price",),
            ("total_tax",),
            ("total_discounts",),
            ("line_items", 0, "price"),
            ("line_items", 0, "quantity"),
        ),
    ),
    "woocommerce": Platform(
        "woocommerce",
        _woocommerce,
        times=(("date_created_gmt",), ("date_modified_gmt",), ("date_created",)),
        amounts=(
            ("total",),
            ("shipping_total",),
            ("discount_total",),
            ("line_items", 0, "total"),
            ("line_items", 0, "quantity"),
        ),
    ),
    "shopware6": Platform(
        "shopware6",
        _shopware6,
        times=((*_SHOPWARE_ORDER, "orderDateTime"), (*_SHOPWARE_ORDER, "updatedAt")),
        amounts=(
            (*_SHOPWARE_ORDER, "amountTotal"),
            (*_SHOPWARE_ORDER, "shippingTotal"),
            (*_SHOPWARE_ORDER, "lineItems", 0, "unitPrice"),
            (*_SHOPWARE_ORDER, "lineItems", 0, "totalPrice"),
            (*_SHOPWARE_ORDER, "lineItems", 0, "quantity"),
        ),
        id_path=("source", "eventId"),
    ),
    "generic": Platform(
        "generic",
        _generic,
        times=(("data", "placed_at"), ("data", "updated_at")),
        amounts=(
            ("data", "shipping_total"),
            ("data", "discount_total"),
            ("data", "tax_total"),
            ("data", "lines", 0, "unit_price"),
            ("data", "lines", 0, "quantity"),
        ),
        id_path=("id",),
    ),
}
