"""Shared pieces of the backfill and reconciliation tests: connected shops, the webhook path
for comparison, and a snapshot of what a shop's orders became."""

from __future__ import annotations

import json
import uuid

from stammkunde.connectors.inbox.services import process_waiting, receive
from stammkunde.connectors.models import ShopConnection, WebhookDelivery
from stammkunde.shop.models import Order, Shop
from tests.connectors.fake_shops import (
    SHOPIFY_TOKEN,
    SHOPWARE_ID,
    SHOPWARE_SECRET,
    WOO_KEY,
    WOO_SECRET,
)

CREDENTIALS = {
    "shopify": (SHOPIFY_TOKEN, ""),
    "woocommerce": (WOO_KEY, WOO_SECRET),
    "shopware6": (SHOPWARE_ID, SHOPWARE_SECRET),
}


def connected_shop(platform: str, url: str, *, slug: str = "") -> Shop:
    """A shop of ``platform`` whose connection points at ``url`` with the fake's credentials."""
    shop = Shop.objects.create(
        name=f"{platform} {slug}".strip(), slug=slug or platform, platform=platform
    )
    key, secret = CREDENTIALS[platform]
    ShopConnection.objects.create(
        shop=shop, webhook_secret="hook-secret", api_base_url=url, api_key=key, api_secret=secret
    )
    return shop


def deliver_by_webhook(shop: Shop, order: dict, *, topic: str = "") -> WebhookDelivery:
    """Send ``order`` the way the platform's webhook would, through the inbox, and process it."""
    if shop.platform == "shopify":
        headers = {
            "X-Shopify-Topic": topic or "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        }
        body = order
    elif shop.platform == "woocommerce":
        headers = {
            "X-WC-Webhook-Topic": topic or "order.created",
            "X-WC-Webhook-Delivery-ID": str(uuid.uuid4()),
        }
        body = order
    else:
        headers = {"sw-version": "6.5.8.0"}
        body = {
            "data": {"payload": {"order": order}, "event": topic or "checkout.order.placed"},
            "source": {
                "url": "http://shop.test",
                "appVersion": "1.0.0",
                "shopId": "abc",
                "eventId": uuid.uuid4().hex,
            },
            "timestamp": 1700000000,
        }
    delivery = receive(shop, headers, json.dumps(body).encode(), verified=True)
    process_waiting()
    delivery.refresh_from_db()
    return delivery


def snapshot(shop: Shop) -> list[dict]:
    """What the shop's orders became, without our own ids and timestamps."""
    rows = []
    orders = Order.objects.filter(shop=shop).order_by("external_id").select_related("customer")
    for order in orders.prefetch_related("lines", "shipments", "refunds"):
        rows.append(
            {
                "external_id": order.external_id,
                "number": order.number,
                "status": order.status,
                "placed_at": order.placed_at,
                "currency": order.currency,
                "amounts": (
                    order.subtotal,
                    order.shipping_total,
                    order.discount_total,
                    order.tax_total,
                    order.total,
                    order.refunded_total,
                ),
                "is_test": order.is_test,
                "email": order.email,
                "customer": (
                    (order.customer.email, order.customer.first_name, order.customer.last_name)
                    if order.customer
                    else None
                ),
                "addresses": (order.billing_address, order.shipping_address),
                "source_updated_at": order.source_updated_at,
                "lines": [
                    (
                        line.line_number,
                        line.sku,
                        line.name,
                        line.quantity,
                        line.unit_price,
                        line.total,
                    )
                    for line in order.lines.all()
                ],
                "shipments": sorted((s.carrier, s.tracking_number) for s in order.shipments.all()),
                "refunds": sorted((r.external_id, r.amount) for r in order.refunds.all()),
            }
        )
    return rows
