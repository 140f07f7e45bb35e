"""API order objects to normalized events, through the very adapters the webhooks use.

A Shopify REST order and a WooCommerce REST v3 order have the shape of the ``orders/updated`` /
``order.updated`` webhook bodies, so they go through the adapter's ``map`` with that topic; a
Shopware 6 order entity is what ``checkout.order.placed`` carries inside its envelope, so it
goes through ``map_order_entity``, which that webhook's mapping uses too. A backfilled order
therefore becomes the same rows as a webhook-delivered one.
"""

from __future__ import annotations

from typing import Any

from stammkunde.connectors.normalized import ShopEvent
from stammkunde.connectors.platforms import shopware6
from stammkunde.connectors.platforms.base import adapter_for

# The webhook topic whose body has the shape of the platform's REST order object.
ORDER_TOPICS = {"shopify": "orders/updated", "woocommerce": "order.updated"}


def order_events(platform: str, order: dict[str, Any]) -> list[ShopEvent]:
    """The normalized events of one order object from the platform's API (PayloadError)."""
    if platform == "shopware6":
        return shopware6.map_order_entity(order)
    return adapter_for(platform).map(ORDER_TOPICS[platform], order)


def order_key(platform: str, order: dict[str, Any]) -> str:
    """The shop's id of an order object, for error reports (never fails)."""
    value = order.get("id")
    return str(value)[:100] if value is not None else "?"
