"""Orders: customers behind them, creation and updates, cancellation."""

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
from stammkunde.customers.queries import find_by_email
from stammkunde.customers.services import create_customer
from stammkunde.shop import events
from stammkunde.shop.models import (
    ZERO,
    Order,
    OrderLine,
    OrderStatus,
    Shop,
    ShopAccount,
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
    # The shop's own line total and line id, where it sends them (webhooks, APIs).
    total: Decimal | None = None
    external_id: str = ""

    @property
    def line_total(self) -> Decimal:
        return money(self.total if self.total is not None else self.unit_price * self.quantity)


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
    # What the shop says the customer pays (it may include tax, fees or rounding we do not
    # itemize); None computes lines + shipping - discount.
    total: Decimal | None = None


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
    customer = find_by_email(email_key) if email_key else None
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
        if line.unit_price < 0 or (line.total is not None and line.total < 0):
            raise OrderError(_("A line has a negative price."))
    for amount in (data.shipping_total, data.discount_total, data.tax_total):
        if amount < 0:
            raise OrderError(_("Shipping, discount and tax cannot be negative."))
    if data.total is not None and data.total < 0:
        raise OrderError(_("The order total cannot be negative."))


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
    subtotal = sum((line.line_total for line in data.lines), ZERO)
    total = subtotal + data.shipping_total - data.discount_total
    if data.total is not None:
        total = data.total
    if total < 0:
        raise OrderError(_("The discount is larger than the order."))
    previous_status = order.status if not created else None
    previous_total = order.total if not created else None
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
    _replace_lines(order, data.lines, created=created)
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
    if order.status == OrderStatus.CANCELLED and previous_status != OrderStatus.CANCELLED:
        _after_cancel(order, actor_label=actor_label or shop.name)
    elif (
        not created
        and customer is not None
        and (order.status != previous_status or order.total != previous_total)
    ):
        _record_update(order, actor_label=actor_label or shop.name)
    return order, created


def _replace_lines(order: Order, lines: Sequence[LineInput], *, created: bool) -> None:
    """Write the order's lines; an existing line keeps its row (returns point at it)."""
    existing = {} if created else {line.line_number: line for line in order.lines.all()}
    new_rows = []
    for number, line in enumerate(lines, start=1):
        values = {
            "sku": line.sku[:64],
            "external_id": line.external_id[:100],
            "name": line.name[:300],
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "total": line.line_total,
        }
        row = existing.pop(number, None)
        if row is None:
            new_rows.append(OrderLine(order=order, line_number=number, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(values))
    if existing:
        OrderLine.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    OrderLine.objects.bulk_create(new_rows)


def _record_update(order: Order, *, actor_label: str) -> None:
    status = OrderStatus(order.status).label
    record_activity(
        customer_id=order.customer_id,
        kind=ActivityKind.ORDER_UPDATED,
        channel=Channel.SHOP,
        summary=_("Order %(number)s updated: %(status)s, %(total)s %(currency)s")
        % {
            "number": order.number,
            "status": status,
            "total": order.total,
            "currency": order.currency,
        },
        occurred_at=order.source_updated_at or timezone.now(),
        actor_label=actor_label,
        subject=order,
        dedupe_key=f"order:{order.pk}:updated:{order.status}:{order.total}"
        + (f":{order.source_updated_at.isoformat()}" if order.source_updated_at else ""),
    )


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
