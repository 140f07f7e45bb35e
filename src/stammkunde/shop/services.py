"""Every change to shop data: orders and what follows them. Each function runs in one
transaction, writes the customer's timeline entry and publishes a domain event on commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core.events import publish
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.customers.services import create_customer
from stammkunde.shop import events
from stammkunde.shop.models import (
    WITHDRAWAL_PERIOD,
    ZERO,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    Shop,
    ShopAccount,
    Withdrawal,
    WithdrawalStatus,
)
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

CENT = Decimal("0.01")


class OrderError(ValueError):
    """Order data that cannot be accepted; the message is meant for the user."""


@dataclass(frozen=True)
class LineInput:
    name: str
    quantity: int
    unit_price: Decimal
    sku: str = ""


@dataclass(frozen=True)
class OrderInput:
    """An order as a connector or importer hands it over, already parsed."""

    external_id: str
    placed_at: datetime
    lines: Sequence[LineInput]
    number: str = ""
    currency: str = "EUR"
    email: str = ""
    status: OrderStatus = OrderStatus.PLACED
    shipping_total: Decimal = ZERO
    discount_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    is_test: bool = False
    source_updated_at: datetime | None = None
    billing_address: dict = field(default_factory=dict)
    shipping_address: dict = field(default_factory=dict)


def money(value: Decimal) -> Decimal:
    """Round to cents, half up, as invoices do."""
    return value.quantize(CENT)


@transaction.atomic
def resolve_customer(
    shop: Shop,
    *,
    external_id: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    source: str = "",
) -> Customer | None:
    """Find or create the customer behind a shop's customer id and/or e-mail.

    The shop's own id wins; a guest checkout is matched by normalized e-mail, so one person who
    buys in two shops (or as a guest and later with an account) is one customer.
    """
    email_key = normalize_email(email)
    if external_id:
        account = ShopAccount.objects.select_related("customer").filter(
            shop=shop, external_id=external_id
        )
        found = account.first()
        if found is not None:
            return found.customer
    customer = Customer.objects.filter(email=email_key).first() if email_key else None
    if customer is None:
        if not (external_id or email_key):
            return None
        customer = create_customer(
            by=None,
            source=source or shop.name,
            email=email_key,
            first_name=first_name,
            last_name=last_name,
        )
    if external_id:
        ShopAccount.objects.get_or_create(
            shop=shop, external_id=external_id, defaults={"customer": customer}
        )
    return customer


def _validate(data: OrderInput) -> None:
    if not data.external_id:
        raise OrderError(_("The order has no id."))
    if timezone.is_naive(data.placed_at):
        raise OrderError(_("The order time has no time zone."))
    if not data.lines:
        raise OrderError(_("The order has no lines."))
    for line in data.lines:
        if line.quantity <= 0:
            raise OrderError(
                _("A line has a quantity of %(q)s; it must be positive.") % {"q": line.quantity}
            )
        if line.unit_price < 0:
            raise OrderError(_("A line has a negative price."))
    for amount in (data.shipping_total, data.discount_total, data.tax_total):
        if amount < 0:
            raise OrderError(_("Shipping, discount and tax cannot be negative."))


@transaction.atomic
def upsert_order(
    shop: Shop, data: OrderInput, *, customer: Customer | None, actor_label: str = ""
) -> tuple[Order, bool]:
    """Create or update an order from its shop's data; return it and whether it was new.

    An update that is older than what we hold (by the shop's ``source_updated_at``) changes
    nothing. Lines are replaced as a whole, the totals recomputed from them.
    """
    _validate(data)
    order = (
        Order.objects.select_for_update().filter(shop=shop, external_id=data.external_id).first()
    )
    created = order is None
    stale = (
        order is not None
        and data.source_updated_at is not None
        and order.source_updated_at is not None
        and data.source_updated_at <= order.source_updated_at
    )
    if stale:
        return order, False
    if order is None:
        order = Order(shop=shop, external_id=data.external_id)
    subtotal = sum((money(line.unit_price * line.quantity) for line in data.lines), ZERO)
    total = subtotal + data.shipping_total - data.discount_total
    if total < 0:
        raise OrderError(_("The discount is larger than the order."))
    previous_status = order.status if not created else None
    order.number = data.number or data.external_id
    order.customer = customer
    order.email = normalize_email(data.email) or ""
    order.status = data.status
    order.placed_at = data.placed_at
    order.currency = data.currency.upper()
    order.subtotal = subtotal
    order.shipping_total = money(data.shipping_total)
    order.discount_total = money(data.discount_total)
    order.tax_total = money(data.tax_total)
    order.total = money(total)
    order.is_test = data.is_test
    order.source_updated_at = data.source_updated_at
    order.billing_address = data.billing_address
    order.shipping_address = data.shipping_address
    order.save()
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            line_number=number,
            sku=line.sku,
            name=line.name[:300],
            quantity=line.quantity,
            unit_price=money(line.unit_price),
            total=money(line.unit_price * line.quantity),
        )
        for number, line in enumerate(data.lines, start=1)
    )
    if customer is not None and created:
        record_activity(
            customer_id=customer.pk,
            kind=ActivityKind.ORDER_PLACED,
            channel=Channel.SHOP,
            direction=Direction.INBOUND,
            summary=_("Order %(number)s placed: %(total)s %(currency)s")
            % {"number": order.number, "total": order.total, "currency": order.currency},
            occurred_at=order.placed_at,
            actor_label=actor_label or shop.name,
            subject=order,
            dedupe_key=f"order:{order.pk}:placed",
        )
    if created:
        publish(
            events.OrderPlaced(
                order_id=order.pk,
                shop_id=shop.pk,
                customer_id=order.customer_id,
                occurred_at=order.placed_at,
                total=order.total,
                currency=order.currency,
            )
        )
    elif order.status == OrderStatus.CANCELLED and previous_status != OrderStatus.CANCELLED:
        _after_cancel(order, actor_label=actor_label or shop.name)
    return order, created


def _order_event_fields(order: Order, occurred_at: datetime) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "shop_id": order.shop_id,
        "customer_id": order.customer_id,
        "occurred_at": occurred_at,
    }


def _after_cancel(order: Order, *, actor_label: str) -> None:
    now = timezone.now()
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_CANCELLED,
            channel=Channel.SHOP,
            summary=_("Order %(number)s cancelled") % {"number": order.number},
            occurred_at=now,
            actor_label=actor_label,
            subject=order,
            dedupe_key=f"order:{order.pk}:cancelled",
        )
    publish(events.OrderCancelled(**_order_event_fields(order, now)))


@transaction.atomic
def cancel_order(order: Order, *, actor_label: str = "") -> Order:
    """Mark an order cancelled (idempotent)."""
    if order.status == OrderStatus.CANCELLED:
        return order
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    _after_cancel(order, actor_label=actor_label or order.shop.name)
    return order


@transaction.atomic
def record_shipment(
    order: Order,
    *,
    shipped_at: datetime,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    external_id: str = "",
    actor_label: str = "",
) -> Shipment:
    """Record that (part of) an order left the warehouse."""
    if external_id:
        existing = order.shipments.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    shipment = Shipment.objects.create(
        order=order,
        external_id=external_id,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        shipped_at=shipped_at,
    )
    if order.status in (OrderStatus.PLACED, OrderStatus.PAID):
        order.status = OrderStatus.SHIPPED
        order.save(update_fields=["status", "updated_at"])
    if order.customer_id:
        tracking = f" ({carrier} {tracking_number})".rstrip() if tracking_number else ""
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_SHIPPED,
            channel=Channel.SHOP,
            direction=Direction.OUTBOUND,
            summary=_("Order %(number)s shipped") % {"number": order.number} + tracking,
            occurred_at=shipped_at,
            actor_label=actor_label or order.shop.name,
            subject=shipment,
        )
    publish(
        events.OrderShipped(
            **_order_event_fields(order, shipped_at),
            shipment_id=shipment.pk,
            carrier=carrier,
            tracking_number=tracking_number,
        )
    )
    return shipment


@transaction.atomic
def record_delivery(
    shipment: Shipment, *, delivered_at: datetime, actor_label: str = ""
) -> Shipment:
    """Record that a shipment reached the customer (starts the withdrawal period)."""
    if shipment.delivered_at is not None:
        return shipment
    shipment.delivered_at = delivered_at
    shipment.save(update_fields=["delivered_at"])
    order = shipment.order
    if order.status == OrderStatus.SHIPPED:
        order.status = OrderStatus.DELIVERED
        order.save(update_fields=["status", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_DELIVERED,
            channel=Channel.SHOP,
            summary=_("Order %(number)s delivered") % {"number": order.number},
            occurred_at=delivered_at,
            actor_label=actor_label or order.shop.name,
            subject=shipment,
        )
    publish(
        events.OrderDelivered(**_order_event_fields(order, delivered_at), shipment_id=shipment.pk)
    )
    return shipment


@transaction.atomic
def record_return(
    order: Order,
    *,
    reason: ReturnReason,
    announced_at: datetime,
    lines: Sequence[tuple[OrderLine, int]],
    note: str = "",
    by: Any | None = None,
) -> Return:
    """Record a return of some lines of an order (quantities must not exceed what was bought)."""
    if not lines:
        raise OrderError(_("A return needs at least one line."))
    for line, quantity in lines:
        if line.order_id != order.pk:
            raise OrderError(_("A returned line does not belong to this order."))
        if not 0 < quantity <= line.quantity:
            raise OrderError(_("Returned quantity must be between 1 and the quantity bought."))
    return_request = Return.objects.create(
        order=order, reason=reason, announced_at=announced_at, note=note
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line=line, quantity=quantity)
        for line, quantity in lines
    )
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.RETURN_RECEIVED,
            channel=Channel.SHOP,
            direction=Direction.INBOUND,
            summary=_("Return of order %(number)s: %(reason)s")
            % {"number": order.number, "reason": ReturnReason(reason).label},
            body=note,
            occurred_at=announced_at,
            actor=by,
            actor_label="" if by else order.shop.name,
            subject=return_request,
        )
    publish(
        events.ReturnAnnounced(
            **_order_event_fields(order, announced_at), return_id=return_request.pk, reason=reason
        )
    )
    return return_request


@transaction.atomic
def mark_return_received(return_request: Return, *, received_at: datetime) -> Return:
    """The returned goods arrived at the warehouse."""
    if return_request.status == ReturnStatus.ANNOUNCED:
        return_request.status = ReturnStatus.RECEIVED
        return_request.received_at = received_at
        return_request.save(update_fields=["status", "received_at"])
    return return_request


@transaction.atomic
def record_refund(
    order: Order,
    *,
    amount: Decimal,
    refunded_at: datetime,
    reason: str = "",
    external_id: str = "",
    actor_label: str = "",
) -> Refund:
    """Record money paid back; refunds never exceed what the order cost."""
    amount = money(amount)
    if amount <= 0:
        raise OrderError(_("A refund must be a positive amount."))
    if external_id:
        existing = order.refunds.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.refunded_total + amount > order.total:
        raise OrderError(_("Refunds would exceed the order total."))
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        currency=order.currency,
        reason=reason[:200],
        refunded_at=refunded_at,
        external_id=external_id,
    )
    order.refunded_total = order.refunded_total + amount
    order.save(update_fields=["refunded_total", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.REFUND_ISSUED,
            channel=Channel.SHOP,
            direction=Direction.OUTBOUND,
            summary=_("Refund of %(amount)s %(currency)s for order %(number)s")
            % {"amount": amount, "currency": order.currency, "number": order.number},
            occurred_at=refunded_at,
            actor_label=actor_label or order.shop.name,
            subject=refund,
        )
    publish(
        events.RefundIssued(
            **_order_event_fields(order, refunded_at),
            refund_id=refund.pk,
            amount=amount,
            currency=order.currency,
        )
    )
    return refund


def withdrawal_deadline(order: Order) -> datetime | None:
    """End of the 14-day withdrawal period: from delivery, else from shipping (or None)."""
    shipments = list(order.shipments.all())
    starts = [s.delivered_at or s.shipped_at for s in shipments]
    return max(starts) + WITHDRAWAL_PERIOD if starts else None


@transaction.atomic
def record_withdrawal(
    order: Order,
    *,
    declared_at: datetime,
    channel: str = "",
    note: str = "",
    by: Any | None = None,
) -> Withdrawal:
    """Record a customer's withdrawal (Widerruf) and whether it came within the period."""
    deadline = withdrawal_deadline(order)
    within = deadline is None or declared_at <= deadline
    withdrawal = Withdrawal.objects.create(
        order=order,
        declared_at=declared_at,
        channel=channel,
        note=note,
        within_period=within,
        status=WithdrawalStatus.RECEIVED,
    )
    if order.customer_id:
        summary = _("Withdrawal from order %(number)s") % {"number": order.number}
        if not within:
            summary += " " + _("(after the withdrawal period)")
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.WITHDRAWAL_RECEIVED,
            channel=channel if channel in Channel.values else Channel.EMAIL,
            direction=Direction.INBOUND,
            summary=summary,
            body=note,
            occurred_at=declared_at,
            actor=by,
            subject=withdrawal,
        )
    publish(
        events.WithdrawalReceived(
            **_order_event_fields(order, declared_at),
            withdrawal_id=withdrawal.pk,
            within_period=within,
        )
    )
    return withdrawal
