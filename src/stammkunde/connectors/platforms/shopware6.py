"""Shopware 6 app webhooks to shop events.

Body: ``{"data": {"payload": ..., "event": "<name>"}, "source": {"url", "appVersion",
"shopId", "eventId"}, "timestamp": <unix>}``. checkout.order.placed and every state_enter.*
event of order, order_delivery and order_transaction carry ``{"order": {full order entity}}``;
so each of them re-reads the whole order (``map_order_entity``, also used by the Admin API
backfill) and adds what the state change means. Signature: ``shopware-shop-signature`` is the
lowercase hex HMAC-SHA256 of the raw body with the shop secret. Shopware sends JSON numbers
for money (395.01); they are parsed as Decimal, never float.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    DeliveryConfirmed,
    MarketingConsentChanged,
    OrderCancelled,
    ShopEvent,
)
from stammkunde.connectors.platforms.base import (
    DeliveryInfo,
    PayloadError,
    body_digest,
    identifier,
    load_json,
    lower_headers,
    mapping,
    matches_hex,
    object_list,
    require_object,
    text,
    timestamp,
)
from stammkunde.connectors.platforms.shopware6_entities import (
    customer_event,
    entity_state,
    map_order_entity,
)

ORDER_STATE = "state_enter.order.state."
DELIVERY_STATE = "state_enter.order_delivery.state."
TRANSACTION_STATE = "state_enter.order_transaction.state."
ORDER_EVENTS = frozenset(
    {
        "checkout.order.placed",
        *(ORDER_STATE + s for s in ("open", "in_progress", "completed", "cancelled")),
        *(
            DELIVERY_STATE + s
            for s in (
                "open",
                "shipped",
                "shipped_partially",
                "returned",
                "returned_partially",
                "cancelled",
                # Not in the core state machine; delivery-tracking plugins add it.
                "delivered",
            )
        ),
        *(
            TRANSACTION_STATE + s
            for s in (
                "open",
                "paid",
                "paid_partially",
                "authorized",
                "refunded",
                "refunded_partially",
                "cancelled",
                "failed",
                "reminded",
                "in_progress",
                "chargeback",
            )
        ),
    }
)
CUSTOMER_EVENTS = frozenset(
    {"checkout.customer.register", "checkout.customer.changed-payment-method"}
)
NEWSLETTER_EVENTS = {"newsletter.confirm": True, "newsletter.unsubscribe": False}
# App lifecycle events: answered 200, nothing to apply.
LIFECYCLE_EVENTS = frozenset(
    {
        "app.installed",
        "app.updated",
        "app.deleted",
        "app.activated",
        "app.deactivated",
        "app_deleted",
    }
)


class Shopware6Adapter:
    platform = "shopware6"

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> bool:
        return matches_hex(secret, body, lower_headers(headers).get("shopware-shop-signature"))

    def parse(self, body: bytes) -> Any:
        return load_json(body)

    def identify(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo:
        payload = require_object(load_json(body), _("The body"))
        data = require_object(payload.get("data"), "data")
        event = data.get("event")
        if not isinstance(event, str) or not event.strip():
            raise PayloadError(_("The delivery has no event name (data.event)."))
        event = event.strip()
        if not _known(event):
            raise PayloadError(_("Unknown Shopware event: %(topic)s") % {"topic": event[:100]})
        source = payload.get("source")
        source = require_object(source, "source") if source is not None else {}
        # eventId stays the same on retries (timestamp and signature do not); since 6.4.11.
        event_id = identifier(source.get("eventId"), "source.eventId", required=False)
        key, updated_at = "", None
        inner = data.get("payload")
        if isinstance(inner, dict) and isinstance(inner.get("order"), dict):
            order = inner["order"]
            key = f"order:{identifier(order.get('id'), 'order.id')}"
            updated_at = timestamp(order.get("updatedAt"), "order.updatedAt")
        elif isinstance(inner, dict) and isinstance(inner.get("customer"), dict):
            key = f"customer:{identifier(inner['customer'].get('id'), 'customer.id')}"
        return DeliveryInfo(
            topic=event,
            delivery_id=event_id or body_digest(body),
            resource_key=key,
            resource_updated_at=updated_at,
            is_ping=event in LIFECYCLE_EVENTS,
        )

    @mapping
    def map(self, topic: str, payload: Any) -> list[ShopEvent]:
        """Events of one webhook body (the whole body, as delivered)."""
        payload = require_object(payload, _("The body"))
        data = require_object(payload.get("data"), "data")
        inner = data.get("payload")
        if not _known(topic):
            raise PayloadError(_("Unknown Shopware event: %(topic)s") % {"topic": topic[:100]})
        if topic in LIFECYCLE_EVENTS or topic.endswith((".written", ".deleted")):
            return []  # entity write events carry ids only; orders come as business events
        inner = require_object(inner, "data.payload")
        sent_at = timestamp(payload.get("timestamp"), "timestamp")
        if topic in ORDER_EVENTS:
            return _order_events(topic, require_object(inner.get("order"), "order"), sent_at)
        if topic in CUSTOMER_EVENTS:
            return [customer_event(require_object(inner.get("customer"), "customer"))]
        recipient = require_object(inner.get("newsletterRecipient"), "newsletterRecipient")
        return [
            MarketingConsentChanged(
                granted=NEWSLETTER_EVENTS[topic],
                email=text(recipient.get("email"), "newsletterRecipient.email", max_length=254),
                changed_at=timestamp(
                    recipient.get("confirmedAt") if NEWSLETTER_EVENTS[topic] else None,
                    "confirmedAt",
                )
                or timestamp(recipient.get("updatedAt"), "updatedAt"),
                detail=topic,
            )
        ]


def _known(event: str) -> bool:
    return (
        event in ORDER_EVENTS
        or event in CUSTOMER_EVENTS
        or event in NEWSLETTER_EVENTS
        or event in LIFECYCLE_EVENTS
        or event.endswith((".written", ".deleted"))
    )


def _order_events(topic: str, order: dict, sent_at: datetime | None) -> list[ShopEvent]:
    events = map_order_entity(order)
    order_id = events[0].external_id if events else ""
    moment = sent_at or timestamp(order.get("updatedAt"), "updatedAt")
    if topic == ORDER_STATE + "cancelled":
        events.append(OrderCancelled(order_external_id=order_id, cancelled_at=moment))
    if topic == DELIVERY_STATE + "delivered" and moment is not None:
        for delivery in object_list(order.get("deliveries"), "deliveries"):
            if entity_state(delivery) == "delivered":
                events.append(
                    DeliveryConfirmed(
                        order_external_id=order_id,
                        shipment_external_id=identifier(delivery.get("id"), "deliveries.id"),
                        delivered_at=moment,
                    )
                )
    return events
