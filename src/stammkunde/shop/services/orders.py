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

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.core.keys import normalize_email
from stammkunde.customers.matching import match_customer
from stammkunde.customers.models import Customer
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop import events
from stammkunde.shop.models import ZERO, Order, OrderStatus, Shop
from stammkunde.shop.services.customer_batch import link_shop_accounts
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import ActivityRow, record_activity_rows

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
    # Voucher and coupon codes the customer entered; ours are marked redeemed (vouchers).
    discount_codes: tuple[str, ...] = ()


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

    Found as every path finds a buyer (``customers.matching``: the shop's own id, then the
    normalized e-mail, merges followed to the survivor), so one person who buys in two shops
    (or as a guest and later with an account) is one customer. A shop id seen for the first
    time is linked to the customer found or created.
    """
    email_key = normalize_email(email)
    if not (external_id or email_key):
        return None
    customer_id = match_customer(shop.pk, external_id, email_key)
    if customer_id is not None:
        customer = Customer.objects.get(pk=customer_id)
    else:
        customer = create_customer(
            by=None,
            source=source or shop.name,
            email=email_key,
            first_name=first_name,
            last_name=last_name,
        )
    if external_id:
        link_shop_accounts(shop, {external_id: customer.pk})
    return customer


def record_order_views(orders: Sequence[Order], *, by: Any) -> None:
    """Note in the audit log that ``by`` (staff or an integration) read these orders."""
    for order in orders:
        audit(actor=by, action=AuditAction.VIEW, obj=order, customer_id=order.customer_id)


def validate_order(data: OrderInput) -> None:
    """Raise OrderError when the shop's order data cannot be accepted."""
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


def _order_event_fields(order: Order, occurred_at: datetime) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "shop_id": order.shop_id,
        "customer_id": order.customer_id,
        "occurred_at": occurred_at,
    }


def after_cancel_activity(order: Order, *, actor_label: str) -> list[ActivityRow]:
    """The timeline entry of a cancellation (none for an order without a customer)."""
    if not order.customer_id:
        return []
    return [
        ActivityRow(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_CANCELLED.value,
            occurred_at=timezone.now(),
            params={"number": order.number},
            channel=Channel.SHOP.value,
            direction=Direction.INTERNAL.value,
            actor_label=actor_label,
            subject_type=Order._meta.label_lower,
            subject_id=order.pk,
            dedupe_key=f"order:{order.pk}:cancelled",
        )
    ]


def _after_cancel(order: Order, *, actor_label: str) -> None:
    record_activity_rows(after_cancel_activity(order, actor_label=actor_label))
    publish(events.OrderCancelled(**_order_event_fields(order, timezone.now())))


@transaction.atomic
def cancel_order(order: Order, *, actor_label: str = "") -> Order:
    """Mark an order cancelled (idempotent)."""
    if order.status == OrderStatus.CANCELLED:
        return order
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    _after_cancel(order, actor_label=actor_label or order.shop.name)
    return order
