"""The connectors' part of a GDPR export and erasure: the raw shop payloads in the inbox.

A delivery is the customer's when its resource is one of their orders or shop accounts
(``order:<shop's id>``, ``customer:<shop's id>``, per shop). Erasure replaces the raw body of
those deliveries with a marker (the delivery row stays: what arrived when, and what became of
it); a delivery still waiting to be applied defers the erasure, since applying it afterwards
would bring the data back.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.core.gdpr import ErasureCheck, ErasureRequest, Obstacle
from stammkunde.shop.models import Order, ShopAccount

REDACTED_BODY = json.dumps({"redacted": "GDPR erasure"}).encode()
EXPORT_BODY_LIMIT = 200_000


def customer_deliveries(customer_id: int, shop_id: int | None = None) -> QuerySet[WebhookDelivery]:
    """The inbox deliveries about this customer's orders and shop accounts (with ``shop_id``:
    in that shop only)."""
    orders = Order.objects.filter(customer_id=customer_id)
    accounts = ShopAccount.objects.filter(customer_id=customer_id)
    if shop_id is not None:
        orders, accounts = orders.filter(shop_id=shop_id), accounts.filter(shop_id=shop_id)
    keys: dict[int, set[str]] = {}
    for shop_id, external_id in orders.values_list("shop_id", "external_id"):
        keys.setdefault(shop_id, set()).add(f"order:{external_id}")
    for shop_id, external_id in accounts.values_list("shop_id", "external_id"):
        keys.setdefault(shop_id, set()).add(f"customer:{external_id}")
    if not keys:
        return WebhookDelivery.objects.none()
    condition = Q()
    for shop_id, resource_keys in keys.items():
        condition |= Q(shop_id=shop_id, resource_key__in=sorted(resource_keys))
    return WebhookDelivery.objects.filter(condition)


def _body(raw: bytes) -> Any:
    text = raw[:EXPORT_BODY_LIMIT].decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def export_deliveries(customer_id: int) -> dict[str, Any]:
    """The raw payloads the shops sent about the customer."""
    return {
        "shop_deliveries": [
            {
                "shop": delivery.shop.name,
                "topic": delivery.topic,
                "received_at": delivery.received_at.isoformat(),
                "state": delivery.state,
                "body": _body(bytes(delivery.body)),
            }
            for delivery in customer_deliveries(customer_id).select_related("shop").order_by("id")
        ]
    }


def check_deliveries(customer_id: int, today: date, shop_id: int | None = None) -> ErasureCheck:
    """Deliveries still waiting to be applied (of ``shop_id`` for its part) defer the erasure."""
    waiting = customer_deliveries(customer_id, shop_id).filter(state=DeliveryState.RECEIVED)
    return ErasureCheck(
        obstacles=tuple(
            Obstacle("connectors", "delivery_waiting", {"delivery": pk, "topic": topic})
            for pk, topic in waiting.values_list("id", "topic")[:20]
        )
    )


def erase_deliveries(request: ErasureRequest) -> dict[str, int]:
    """Replace the raw bodies with a marker (of ``request.shop_id``'s deliveries for its part)."""
    redacted = (
        customer_deliveries(request.customer_id, request.shop_id)
        .exclude(body=REDACTED_BODY)
        .update(body=REDACTED_BODY)
    )
    return {"payloads_redacted": redacted}
