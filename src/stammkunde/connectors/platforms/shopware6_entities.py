"""Shopware 6 order and customer entities to shop events (webhooks and the Admin API backfill).

Webhook bodies and Admin API pages carry the same entities; ``map_order_entity`` reads a whole
order (lines, deliveries, transactions, the customer) every time, so a state change anywhere in
it is seen. Money comes as JSON numbers and is parsed as Decimal, never float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    ZERO,
    CustomerData,
    CustomerUpserted,
    LineData,
    OrderUpserted,
    RefundRecorded,
    ReturnRecorded,
    ShipmentRecorded,
    ShopEvent,
)
from stammkunde.connectors.platforms.base import (
    LINE_NAME_LENGTH,
    PayloadError,
    address,
    amount,
    check_line_count,
    currency,
    identifier,
    mapping,
    object_list,
    quantity,
    require_object,
    required_timestamp,
    signed_amount,
    text,
    timestamp,
)
from stammkunde.shop.models import OrderStatus, ReturnReason

SHIPPED_STATES = frozenset(
    {"shipped", "shipped_partially", "delivered", "returned", "returned_partially"}
)


def entity_state(entity: dict) -> str:
    state = entity.get("stateMachineState")
    return state.get("technicalName", "") if isinstance(state, dict) else ""


@mapping
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
        if entity_state(transaction) == "refunded":
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
    delivery_states = {entity_state(d) for d in deliveries}
    transaction_states = {entity_state(t) for t in transactions}
    if entity_state(order) == "cancelled":
        return OrderStatus.CANCELLED
    if delivery_states & {"returned", "returned_partially"} or "refunded" in transaction_states:
        return OrderStatus.RETURNED
    if "delivered" in delivery_states:
        return OrderStatus.DELIVERED
    if delivery_states & {"shipped", "shipped_partially"} or entity_state(order) == "completed":
        return OrderStatus.SHIPPED
    if transaction_states & {"paid", "paid_partially", "refunded_partially"}:
        return OrderStatus.PAID
    return OrderStatus.PLACED


def _delivery_events(order_id: str, delivery: dict, moment: datetime) -> list[ShopEvent]:
    state = entity_state(delivery)
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


def customer_event(customer: dict) -> CustomerUpserted:
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
