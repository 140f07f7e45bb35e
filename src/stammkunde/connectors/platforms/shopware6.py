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
    ZERO,
    CustomerData,
    CustomerUpserted,
    DeliveryConfirmed,
    LineData,
    MarketingConsentChanged,
    OrderCancelled,
    OrderUpserted,
    RefundRecorded,
    ReturnRecorded,
    ShipmentRecorded,
    ShopEvent,
)
from stammkunde.connectors.platforms.base import (
    LINE_NAME_LENGTH,
    DeliveryInfo,
    PayloadError,
    address,
    amount,
    body_digest,
    check_line_count,
    currency,
    identifier,
    load_json,
    lower_headers,
    matches_hex,
    object_list,
    quantity,
    require_object,
    required_timestamp,
    signed_amount,
    text,
    timestamp,
)
from stammkunde.shop.models import OrderStatus, ReturnReason

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
SHIPPED_STATES = frozenset(
    {"shipped", "shipped_partially", "delivered", "returned", "returned_partially"}
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
            return [_customer_event(require_object(inner.get("customer"), "customer"))]
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
            if _state(delivery) == "delivered":
                events.append(
                    DeliveryConfirmed(
                        order_external_id=order_id,
                        shipment_external_id=identifier(delivery.get("id"), "deliveries.id"),
                        delivered_at=moment,
                    )
                )
    return events


def _state(entity: dict) -> str:
    state = entity.get("stateMachineState")
    return state.get("technicalName", "") if isinstance(state, dict) else ""


def map_order_entity(order: dict) -> list[ShopEvent]:
    """A Shopware 6 order entity (webhook ``payload.order`` or an Admin API ``order``) with
    its deliveries (shipments, returns) and transactions (refunds)."""
    order = require_object(order, "order")
    order_id = identifier(order.get("id"), "order.id")
    items = [
        item
        for item in object_list(order.get("lineItems"), "lineItems")
        if not item.get("parentId")  # children of a bundle are priced in their parent
    ]
    check_line_count(len(items))
    lines: list[LineData] = []
    discount = ZERO
    for index, item in enumerate(items, start=1):
        what = f"lineItems[{index}]"
        line_total = signed_amount(item.get("totalPrice"), what + ".totalPrice", default=ZERO)
        if item.get("type") == "promotion" or line_total < 0:
            discount += -line_total
            continue
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        lines.append(
            LineData(
                name=text(item.get("label"), what + ".label", max_length=LINE_NAME_LENGTH) or "?",
                quantity=quantity(item.get("quantity"), what + ".quantity"),
                unit_price=amount(item.get("unitPrice"), what + ".unitPrice"),
                total=line_total,
                sku=text(payload.get("productNumber"), what + ".productNumber", max_length=64),
                external_id=identifier(item.get("id"), what + ".id", required=False),
            )
        )
    price = order.get("price") if isinstance(order.get("price"), dict) else {}
    taxes = object_list(price.get("calculatedTaxes"), "price.calculatedTaxes")
    tax = sum((amount(t.get("tax"), "calculatedTaxes.tax", default=ZERO) for t in taxes), ZERO)
    currency_object = order.get("currency")
    code = (
        currency(currency_object.get("isoCode"), "currency.isoCode")
        if isinstance(currency_object, dict)
        else ""
    )
    deliveries = object_list(order.get("deliveries"), "deliveries")
    transactions = object_list(order.get("transactions"), "transactions")
    placed_at = required_timestamp(
        order.get("orderDateTime") or order.get("createdAt"), "orderDateTime"
    )
    updated_at = timestamp(order.get("updatedAt"), "updatedAt") or timestamp(
        order.get("createdAt"), "createdAt"
    )
    customer = _order_customer(order)
    events: list[ShopEvent] = [
        OrderUpserted(
            external_id=order_id,
            number=text(order.get("orderNumber") or order_id, "orderNumber", max_length=64),
            placed_at=placed_at,
            updated_at=updated_at,
            currency=code,
            status=_status(order, deliveries, transactions),
            lines=tuple(lines),
            shipping_total=amount(order.get("shippingTotal"), "shippingTotal", default=ZERO),
            discount_total=discount,
            tax_total=tax,
            total=amount(order.get("amountTotal"), "amountTotal"),
            customer=customer,
            email=customer.email if customer else "",
            billing_address=_address(order.get("billingAddress"), "billingAddress"),
            shipping_address=_address(
                deliveries[0].get("shippingOrderAddress") if deliveries else None,
                "shippingOrderAddress",
            ),
        )
    ]
    moment = updated_at or placed_at
    for delivery in deliveries:
        events.extend(_delivery_events(order_id, delivery, moment))
    for transaction in transactions:
        if _state(transaction) == "refunded":
            price_object = transaction.get("amount")
            total = amount(
                price_object.get("totalPrice") if isinstance(price_object, dict) else None,
                "transactions.amount.totalPrice",
            )
            if total > 0:
                events.append(
                    RefundRecorded(
                        order_external_id=order_id,
                        external_id=identifier(transaction.get("id"), "transactions.id"),
                        amount=total,
                        currency=code,
                        refunded_at=timestamp(transaction.get("updatedAt"), "updatedAt") or moment,
                    )
                )
    return events


def _status(order: dict, deliveries: list[dict], transactions: list[dict]) -> OrderStatus:
    delivery_states = {_state(d) for d in deliveries}
    transaction_states = {_state(t) for t in transactions}
    if _state(order) == "cancelled":
        return OrderStatus.CANCELLED
    if delivery_states & {"returned", "returned_partially"} or "refunded" in transaction_states:
        return OrderStatus.RETURNED
    if "delivered" in delivery_states:
        return OrderStatus.DELIVERED
    if delivery_states & {"shipped", "shipped_partially"} or _state(order) == "completed":
        return OrderStatus.SHIPPED
    if transaction_states & {"paid", "paid_partially", "refunded_partially"}:
        return OrderStatus.PAID
    return OrderStatus.PLACED


def _delivery_events(order_id: str, delivery: dict, moment: datetime) -> list[ShopEvent]:
    state = _state(delivery)
    if state not in SHIPPED_STATES:
        return []
    delivery_id = identifier(delivery.get("id"), "deliveries.id")
    shipped_at = timestamp(delivery.get("updatedAt"), "deliveries.updatedAt") or moment
    method = delivery.get("shippingMethod")
    carrier = (
        text(method.get("name"), "shippingMethod.name", max_length=50)
        if isinstance(method, dict)
        else ""
    )
    codes = delivery.get("trackingCodes") or []
    if not isinstance(codes, list):
        raise PayloadError(_("%(what)s must be a list.") % {"what": "trackingCodes"})
    events: list[ShopEvent] = [
        ShipmentRecorded(
            order_external_id=order_id,
            external_id=delivery_id if index == 0 else f"{delivery_id}#{index}",
            shipped_at=shipped_at,
            carrier=carrier,
            tracking_number=text(code, "trackingCodes"),
        )
        for index, code in enumerate(codes or [""])
    ]
    if state in ("returned", "returned_partially"):
        # Which positions came back is not part of the delivery; a full return is assumed
        # for "returned", and a partial one is recorded without lines.
        events.append(
            ReturnRecorded(
                order_external_id=order_id,
                external_id=delivery_id,
                announced_at=shipped_at,
                reason=ReturnReason.OTHER,
            )
        )
    return events


def _order_customer(order: dict) -> CustomerData | None:
    customer = order.get("orderCustomer")
    if not isinstance(customer, dict):
        return None
    billing = order.get("billingAddress") if isinstance(order.get("billingAddress"), dict) else {}
    return CustomerData(
        external_id=identifier(
            customer.get("customerId"), "orderCustomer.customerId", required=False
        ),
        email=text(customer.get("email"), "orderCustomer.email", max_length=254),
        first_name=text(customer.get("firstName"), "orderCustomer.firstName"),
        last_name=text(customer.get("lastName"), "orderCustomer.lastName"),
        company=text(customer.get("company"), "orderCustomer.company", max_length=200),
        phone=text(billing.get("phoneNumber"), "billingAddress.phoneNumber", max_length=40),
        address=_address(billing or None, "billingAddress"),
    )


def _customer_event(customer: dict) -> CustomerUpserted:
    billing = customer.get("defaultBillingAddress")
    return CustomerUpserted(
        customer=CustomerData(
            external_id=identifier(customer.get("id"), "customer.id"),
            email=text(customer.get("email"), "customer.email", max_length=254),
            first_name=text(customer.get("firstName"), "customer.firstName"),
            last_name=text(customer.get("lastName"), "customer.lastName"),
            company=text(customer.get("company"), "customer.company", max_length=200),
            address=_address(billing, "defaultBillingAddress"),
        ),
        updated_at=timestamp(customer.get("updatedAt"), "updatedAt")
        or timestamp(customer.get("createdAt"), "createdAt"),
    )


def _address(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    value = require_object(value, what)

    def part(key: str, max_length: int = 200) -> str:
        return text(value.get(key), f"{what}.{key}", max_length=max_length)

    country = value.get("country")
    iso = (
        text(country.get("iso"), f"{what}.country.iso", max_length=2)
        if isinstance(country, dict)
        else ""
    )
    return address(
        name=" ".join(p for p in (part("firstName"), part("lastName")) if p),
        company=part("company"),
        street=part("street"),
        street2=part("additionalAddressLine1"),
        postal_code=part("zipcode", 16),
        city=part("city", 100),
        country=iso,
        phone=part("phoneNumber", 40),
    )
