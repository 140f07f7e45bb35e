"""Reads of the webhook inbox: the endpoint's shop lookup and the inbox pages."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.crypto import constant_time_compare

from stammkunde.connectors.models import DeliveryState, ShopConnection, WebhookDelivery


def connection_for_hook(shop_slug: str, token: str) -> ShopConnection | None:
    """The active shop connection whose webhook URL this is, or None."""
    connection = (
        ShopConnection.objects.select_related("shop")
        .filter(shop__slug=shop_slug, shop__is_active=True)
        .first()
    )
    if connection is None or not constant_time_compare(connection.hook_token, token):
        return None
    return connection


def connections() -> QuerySet[ShopConnection]:
    """Every configured shop connection with its shop, by shop name."""
    return ShopConnection.objects.select_related("shop").order_by("shop__name")


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


def state_counts(shop_id: int | None = None) -> list[StateCount]:
    """How many deliveries are in each state (all states listed, zeros included)."""
    deliveries = WebhookDelivery.objects.all()
    if shop_id:
        deliveries = deliveries.filter(shop_id=shop_id)
    counts = dict(
        deliveries.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return [
        StateCount(state, str(label), counts.get(state, 0))
        for state, label in DeliveryState.choices
    ]


def deliveries(*, state: str = "", shop_id: int | None = None) -> QuerySet[WebhookDelivery]:
    """Inbox rows, newest first, optionally of one state and one shop (without their bodies)."""
    rows = WebhookDelivery.objects.select_related("shop").defer("body", "headers")
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    if shop_id:
        rows = rows.filter(shop_id=shop_id)
    return rows.order_by("-id")


def failed_count() -> int:
    return WebhookDelivery.objects.filter(state=DeliveryState.FAILED).count()


def delivery(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_related("shop", "duplicate_of")
        .filter(pk=delivery_id)
        .first()
    )


def pretty_body(delivery: WebhookDelivery, *, limit: int = 200_000) -> str:
    """The body for reading: indented JSON if it is JSON, else the text (cut at ``limit``)."""
    raw = bytes(delivery.body)
    text = raw.decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError, RecursionError):  # not JSON: shown as it came
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "\n…"


def touched_objects(delivery: WebhookDelivery) -> dict[str, list[Any]]:
    """The customers and orders this delivery touched, as far as processing recorded them."""
    from stammkunde.customers.models import Customer
    from stammkunde.shop.models import Order

    result = delivery.result or {}
    customer_ids = _ids(result.get("customers"))
    order_ids = _ids(result.get("orders_created")) + _ids(result.get("orders_updated"))
    return {
        "customers": list(Customer.objects.filter(pk__in=customer_ids)[:20]),
        "orders": list(Order.objects.filter(pk__in=order_ids)[:20]),
    }


def _ids(values: object) -> list[int]:
    """Integer ids from a stored result list (anything else is ignored)."""
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, int)][:20]


def deliveries_of_resource(delivery: WebhookDelivery) -> QuerySet[WebhookDelivery]:
    """Other deliveries about the same order or customer (the resource's history)."""
    if not delivery.resource_key:
        return WebhookDelivery.objects.none()
    return (
        WebhookDelivery.objects.filter(shop_id=delivery.shop_id, resource_key=delivery.resource_key)
        .exclude(pk=delivery.pk)
        .defer("body", "headers")
        .order_by("-id")[:20]
    )
