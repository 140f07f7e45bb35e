"""Builders for the inbox tests: signed Shopify deliveries shaped like the published examples.

(No tests here; the name only keeps the file with the inbox tests it serves.)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

# The project's copy of the published examples (see tests/fixtures/webhooks/SOURCES.md).
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"

SECRET = "test-webhook-secret"


@cache
def _published_order() -> dict:
    return json.loads((FIXTURES / "shopify" / "orders-create.json").read_text())


def shopify_order(
    order_id: int,
    *,
    updated_at: str = "2026-03-01T10:00:00+01:00",
    email: str = "jon@example.com",
    customer_id: int = 115310627314723954,
    first_name: str = "John",
    unit_price: str = "19.90",
    quantity: int = 1,
) -> dict:
    """Shopify's published orders/create example as a live order with our ids and prices."""
    order = copy.deepcopy(_published_order())
    order.update(
        id=order_id,
        name=f"#{order_id}",
        order_number=order_id,
        number=order_id,
        email=email,
        contact_email=email,
        created_at="2026-03-01T09:00:00+01:00",
        updated_at=updated_at,
        processed_at="2026-03-01T09:00:00+01:00",
        cancelled_at=None,
        cancel_reason=None,
        test=False,
        refunds=[],
        fulfillments=[],
        shipping_lines=[],
        discount_codes=[],
        discount_applications=[],
    )
    line = copy.deepcopy(order["line_items"][0])
    line.update(price=unit_price, quantity=quantity, discount_allocations=[], tax_lines=[])
    order["line_items"] = [line]
    total = str(Decimal(unit_price) * quantity)
    for field in ("subtotal_price", "total_price", "total_line_items_price", "current_total_price"):
        order[field] = total
    order["total_tax"] = "0.00"
    order["total_discounts"] = "0.00"
    if isinstance(order.get("customer"), dict):
        order["customer"].update(id=customer_id, email=email, first_name=first_name)
    return order


def sign(body: bytes, secret: str = SECRET) -> str:
    """Shopify's signature: base64 of the HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(body: bytes, *, topic: str, webhook_id: str, secret: str = SECRET) -> dict:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "kaffee-sued.myshopify.com",
        "X-Shopify-Api-Version": "2025-07",
    }


def shopify_delivery(
    order_id: int, *, webhook_id: str, topic: str = "orders/updated", **order
) -> tuple[dict, bytes]:
    """Headers and raw body of one signed orders/* delivery."""
    body = json.dumps(shopify_order(order_id, **order)).encode()
    return shopify_headers(body, topic=topic, webhook_id=webhook_id), body
