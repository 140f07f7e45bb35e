"""WooCommerce: webhook deliveries (REST API v3 order and customer objects) to shop events.

Signature: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw body with the
webhook's secret. Times are read from the ``*_gmt`` fields (UTC); the others are the shop's
local time without an offset. Names come HTML-escaped ("&ndash;") and are unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    ZERO,
    CustomerData,
    CustomerDeleted,
    CustomerUpserted,
    LineData,
    OrderDeleted,
    OrderUpserted,
    RefundRecorded,
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
    mapping,
    matches_base64,
    object_list,
    quantity,
    require_object,
    signed_amount,
    text,
    timestamp,
)
from stammkunde.shop.models import OrderStatus

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
CUSTOMER_TOPICS = frozenset({"customer.created", "customer.updated"})
TOPICS = ORDER_TOPICS | CUSTOMER_TOPICS | {"order.deleted", "customer.deleted"}
PING = re.compile(rb"webhook_id=\d{1,20}")
STATUSES = {
    "pending": OrderStatus.PLACED,  # awaiting payment
    "on-hold": OrderStatus.PLACED,  # awaiting bank transfer or cash on delivery
    "processing": OrderStatus.PAID,
    "completed": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED,
    "failed": OrderStatus.CANCELLED,  # payment failed: the sale never happened
    "refunded": OrderStatus.RETURNED,
    # Statuses that shipment plugins add.
    "shipped": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
}
# The meta key of WooCommerce's Shipment Tracking extension (a list of tracking items).
TRACKING_META_KEY = "_wc_shipment_tracking_items"


def is_ping(headers: dict[str, str], body: bytes) -> bool:
    """WooCommerce's unsigned test delivery on webhook creation: form body ``webhook_id=N``."""
    return "x-wc-webhook-topic" not in headers and PING.fullmatch(body.strip()) is not None


class WooCommerceAdapter:
    platform = "woocommerce"

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> bool:
        """True for a valid signature, and for the ping, which WooCommerce never signs and
        which carries no data (it is answered 200 and otherwise ignored)."""
        folded = lower_headers(headers)
        if is_ping(folded, body):
            return True
        return matches_base64(secret, body, folded.get("x-wc-webhook-signature"))

    def parse(self, body: bytes) -> Any:
        return load_json(body)

    def identify(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo:
        folded = lower_headers(headers)
        if is_ping(folded, body):
            return DeliveryInfo(
                topic="ping",
                delivery_id=body_digest(body),
                resource_key="",
                resource_updated_at=None,
                is_ping=True,
            )
        topic = folded.get("x-wc-webhook-topic", "").strip()
        if not topic:
            raise PayloadError(_("The delivery has no X-WC-Webhook-Topic header."))
        if topic not in TOPICS:
            raise PayloadError(_("Unknown WooCommerce topic: %(topic)s") % {"topic": topic[:100]})
        payload = require_object(load_json(body), _("The body"))
        resource = topic.split(".")[0]
        key = f"{resource}:{identifier(payload.get('id'), 'id')}"
        # WooCommerce makes the delivery id from the webhook id and the time in whole seconds,
        # so two changes within one second share it; the body's digest tells them apart.
        header_id = folded.get("x-wc-webhook-delivery-id", "").strip()
        digest = body_digest(body)
        delivery_id = f"{header_id[:100]}:{digest[7:39]}" if header_id else digest
        updated_at = timestamp(
            payload.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True
        )
        return DeliveryInfo(
            topic=topic, delivery_id=delivery_id, resource_key=key, resource_updated_at=updated_at
        )

    @mapping
    def map(self, topic: str, payload: Any) -> list[ShopEvent]:
        payload = require_object(payload, _("The body"))
        if topic in ORDER_TOPICS:
            return map_order(payload)
        if topic == "order.deleted":
            return [OrderDeleted(order_external_id=identifier(payload.get("id"), "id"))]
        if topic in CUSTOMER_TOPICS:
            return [map_customer(payload)]
        if topic == "customer.deleted":
            return [CustomerDeleted(customer_external_id=identifier(payload.get("id"), "id"))]
        if topic == "ping":
            return []
        raise PayloadError(_("Unknown WooCommerce topic: %(topic)s") % {"topic": topic[:100]})


def _time(payload: dict, field: str) -> Any:
    """A time from the UTC ``<field>_gmt`` (REST v2+) or, failing that, ``<field>`` if it
    carries an offset."""
    gmt = timestamp(payload.get(field + "_gmt"), field + "_gmt", naive_is_utc=True)
    return gmt or timestamp(payload.get(field), field)


def map_order(order: dict) -> list[ShopEvent]:
    """A REST v3 order: the order itself, its refunds and tracking numbers."""
    order_id = identifier(order.get("id"), "id")
    status = text(order.get("status"), "status", max_length=40)
    if status == "checkout-draft":
        return []  # the block checkout's cart, not an order yet
    if status == "trash":
        return [OrderDeleted(order_external_id=order_id)]
    order_currency = currency(order.get("currency"))
    items = object_list(order.get("line_items"), "line_items")
    fees = object_list(order.get("fee_lines"), "fee_lines")
    check_line_count(len(items) + len(fees))
    lines = [_line(item, index) for index, item in enumerate(items, start=1)]
    discount = amount(order.get("discount_total"), "discount_total", default=ZERO)
    for index, fee in enumerate(fees, start=1):
        fee_total = signed_amount(fee.get("total"), f"fee_lines[{index}].total", default=ZERO)
        if fee_total < 0:
            discount += -fee_total  # a negative fee is how plugins grant a discount
        elif fee_total > 0:
            name = _name(fee.get("name"), f"fee_lines[{index}].name")
            lines.append(LineData(name=name, quantity=1, unit_price=fee_total, total=fee_total))
    billing = order.get("billing")
    billing = require_object(billing, "billing") if billing is not None else {}
    email = text(billing.get("email"), "billing.email", max_length=254)
    customer_id = identifier(order.get("customer_id"), "customer_id", required=False)
    customer = CustomerData(
        external_id="" if customer_id == "0" else customer_id,  # 0 is a guest checkout
        email=email,
        first_name=text(billing.get("first_name"), "billing.first_name"),
        last_name=text(billing.get("last_name"), "billing.last_name"),
        phone=text(billing.get("phone"), "billing.phone", max_length=40),
        company=text(billing.get("company"), "billing.company", max_length=200),
    )
    placed_at = _time(order, "date_created")
    if placed_at is None:
        raise PayloadError(_("%(what)s is missing.") % {"what": "date_created_gmt"})
    updated_at = _time(order, "date_modified")
    events: list[ShopEvent] = [
        OrderUpserted(
            external_id=order_id,
            number=text(order.get("number") or order_id, "number", max_length=64),
            placed_at=placed_at,
            updated_at=updated_at,
            currency=order_currency,
            status=STATUSES.get(status, OrderStatus.PLACED),
            lines=tuple(lines),
            shipping_total=amount(order.get("shipping_total"), "shipping_total", default=ZERO),
            discount_total=discount,
            tax_total=amount(order.get("total_tax"), "total_tax", default=ZERO),
            total=amount(order.get("total"), "total"),
            customer=customer if (customer.external_id or email) else None,
            email=email,
            billing_address=_address(billing, "billing"),
            shipping_address=_address(order.get("shipping"), "shipping"),
            discount_codes=tuple(
                entry["code"][:64]
                for entry in (order.get("coupon_lines") or [])
                if isinstance(entry, dict) and isinstance(entry.get("code"), str)
            ),
        )
    ]
    moment = updated_at or placed_at
    for refund in object_list(order.get("refunds"), "refunds"):
        # REST orders list refunds as negative totals, without their own time.
        refund_amount = abs(signed_amount(refund.get("total"), "refunds.total"))
        if refund_amount > 0:
            events.append(
                RefundRecorded(
                    order_external_id=order_id,
                    external_id=identifier(refund.get("id"), "refunds.id"),
                    amount=refund_amount,
                    currency=order_currency,
                    refunded_at=moment,
                    reason=text(refund.get("reason"), "refunds.reason", max_length=200),
                )
            )
    events.extend(_tracking(order, order_id, moment))
    return events


def _name(value: Any, what: str) -> str:
    return (
        html.unescape(text(value, what, max_length=LINE_NAME_LENGTH * 2))[:LINE_NAME_LENGTH] or "?"
    )


def _line(item: dict, index: int) -> LineData:
    what = f"line_items[{index}]"
    count = quantity(item.get("quantity"), what + ".quantity")
    # "subtotal" is the line before coupons; coupons are in the order's discount_total.
    line_total = amount(item.get("subtotal", item.get("total")), what + ".subtotal")
    return LineData(
        name=_name(item.get("name"), what + ".name"),
        quantity=count,
        unit_price=(line_total / count).quantize(Decimal("0.01")),
        total=line_total,
        sku=text(item.get("sku"), what + ".sku", max_length=64),
        external_id=identifier(item.get("id"), what + ".id", required=False),
    )


def _address(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    value = require_object(value, what)

    def part(key: str, max_length: int = 200) -> str:
        return text(value.get(key), f"{what}.{key}", max_length=max_length)

    name = " ".join(p for p in (part("first_name"), part("last_name")) if p)
    return address(
        name=name,
        company=part("company"),
        street=part("address_1"),
        street2=part("address_2"),
        postal_code=part("postcode", 16),
        city=part("city", 100),
        region=part("state", 100),
        country=part("country", 2),
        phone=part("phone", 40),
    )


def _tracking(order: dict, order_id: str, moment: Any) -> list[ShopEvent]:
    events: list[ShopEvent] = []
    for meta in object_list(order.get("meta_data"), "meta_data"):
        if meta.get("key") != TRACKING_META_KEY:
            continue
        for item in object_list(meta.get("value"), "meta_data.value"):
            number = text(item.get("tracking_number"), "tracking_number")
            tracking_id = identifier(item.get("tracking_id"), "tracking_id", required=False)
            shipped = item.get("date_shipped")
            if isinstance(shipped, str) and shipped.isdigit():
                shipped = int(shipped)  # the extension stores a Unix timestamp as text
            carrier = text(
                item.get("custom_tracking_provider") or item.get("tracking_provider"),
                "tracking_provider",
                max_length=50,
            )
            events.append(
                ShipmentRecorded(
                    order_external_id=order_id,
                    external_id=tracking_id or number,
                    shipped_at=timestamp(shipped, "date_shipped") or moment,
                    carrier=carrier,
                    tracking_number=number,
                    tracking_url=text(
                        item.get("custom_tracking_link"), "custom_tracking_link", max_length=500
                    ),
                )
            )
    return events


def map_customer(customer: dict) -> CustomerUpserted:
    customer_id = identifier(customer.get("id"), "id")
    billing = customer.get("billing")
    billing = require_object(billing, "billing") if billing is not None else {}
    return CustomerUpserted(
        customer=CustomerData(
            external_id=customer_id,
            email=text(customer.get("email") or billing.get("email"), "email", max_length=254),
            first_name=text(customer.get("first_name"), "first_name"),
            last_name=text(customer.get("last_name"), "last_name"),
            phone=text(billing.get("phone"), "billing.phone", max_length=40),
            company=text(billing.get("company"), "billing.company", max_length=200),
            address=_address(billing, "billing"),
        ),
        updated_at=_time(customer, "date_modified"),
    )
