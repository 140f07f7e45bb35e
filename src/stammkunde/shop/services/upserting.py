"""Creating and updating orders from their shop's data, one order or a whole batch at once.

``upsert_orders`` is the one implementation: it writes a batch of orders with a constant number
of queries (one insert for the new orders, one for all their lines, one for the timeline
entries), which is what lets one worker apply a thousand webhook events a second;
``upsert_order`` is the same for a single order. Callers lock and pass the orders they already
hold (``lock_orders``), so the stale check and the write see the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core.bulk import insert_rows, update_rows
from stammkunde.core.events import publish_many
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.shop import events
from stammkunde.shop.models import ZERO, Order, OrderLine, OrderStatus, Shop, reversed_number
from stammkunde.shop.services.orders import (
    LineInput,
    OrderError,
    OrderInput,
    after_cancel_activity,
    money,
    validate_order,
)
from stammkunde.shop.services.vouchers import redeem_codes
from stammkunde.shop.totals import order_total
from stammkunde.timeline.formatting import money_params
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import ActivityRow, record_activity_rows

ORDER_SUBJECT = Order._meta.label_lower


@dataclass(frozen=True)
class OrderUpsert:
    """One order of a batch: the shop's data and the customer it belongs to (or None)."""

    data: OrderInput
    customer_id: int | None


def is_stale(existing: Order | None, data: OrderInput) -> bool:
    """True when ``data`` is not newer than the order we hold (by the shop's update time)."""
    return (
        existing is not None
        and data.source_updated_at is not None
        and existing.source_updated_at is not None
        and data.source_updated_at <= existing.source_updated_at
    )


def order_amounts(data: OrderInput) -> tuple[Decimal, Decimal]:
    """(subtotal, total) of an order; raises OrderError when the discount exceeds it."""
    subtotal = sum((line.line_total for line in data.lines), ZERO)
    total = order_total(subtotal, data.shipping_total, data.discount_total)
    if data.total is not None:
        total = data.total
    if total < 0:
        raise OrderError(_("The discount is larger than the order."))
    return subtotal, total


def lock_orders(shop: Shop, external_ids: Sequence[str]) -> dict[str, Order]:
    """The shop's orders with these ids, locked for the rest of the transaction (PostgreSQL)."""
    if not external_ids:
        return {}
    found = Order.objects.select_for_update().filter(
        shop=shop, external_id__in=sorted(set(external_ids))
    )
    return {order.external_id: order for order in found}


@transaction.atomic
def upsert_order(
    shop: Shop, data: OrderInput, *, customer: Customer | None, actor_label: str = ""
) -> tuple[Order, bool]:
    """Create or update an order from its shop's data; return it and whether it was new.

    An update that is older than what we hold (by the shop's ``source_updated_at``) changes
    nothing. Lines are replaced as a whole, the totals recomputed from them.
    """
    validate_order(data)
    existing = lock_orders(shop, [data.external_id])
    order = existing.get(data.external_id)
    if is_stale(order, data):
        return order, False
    customer_id = customer.pk if customer is not None else None
    [(order, created)] = upsert_orders(
        shop, [OrderUpsert(data, customer_id)], existing=existing, actor_label=actor_label
    )
    return order, created


def upsert_orders(
    shop: Shop,
    items: Sequence[OrderUpsert],
    *,
    existing: dict[str, Order],
    actor_label: str = "",
) -> list[tuple[Order, bool]]:
    """Create or update many orders of ``shop``; return (order, created) per item, in order.

    ``existing`` maps external ids to the (locked) orders we hold; the items are validated and
    not stale (the caller checked both), and name each order once. Writes the lines, the
    timeline entries (placed, updated, cancelled) and stores the domain events (one INSERT).
    """
    actor_label = actor_label or shop.name
    now = timezone.now()
    results: list[tuple[Order, bool]] = []
    new_orders: list[Order] = []
    changed_orders: list[Order] = []
    previous: dict[int, tuple[str, Decimal]] = {}
    for item in items:
        data = item.data
        subtotal, total = order_amounts(data)
        order = existing.get(data.external_id)
        created = order is None
        if created:
            order = Order(shop=shop, external_id=data.external_id)
            new_orders.append(order)
        else:
            previous[id(order)] = (order.status, order.total)
            changed_orders.append(order)
        order.number = data.number or data.external_id
        order.number_reversed = reversed_number(order.number)
        order.customer_id = item.customer_id
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
        order.updated_at = now
        results.append((order, created))
    with transaction.atomic():
        _insert_orders(shop, new_orders)
        if changed_orders:
            update_rows(changed_orders, _UPDATED_FIELDS)
        _write_lines(
            [
                (order, item.data.lines, created)
                for (order, created), item in zip(results, items, strict=True)
            ]
        )
        activities = []
        published: list[events.OrderEvent] = []
        for order, created in results:
            before_status, before_total = previous.get(id(order), (None, None))
            activities.extend(
                _activities_after_upsert(order, created, before_status, before_total, actor_label)
            )
            if created:
                published.append(
                    events.OrderPlaced(
                        order_id=order.pk,
                        shop_id=shop.pk,
                        customer_id=order.customer_id,
                        occurred_at=order.placed_at,
                        total=order.total,
                        currency=order.currency,
                    )
                )
            if order.status == OrderStatus.CANCELLED and before_status != OrderStatus.CANCELLED:
                published.append(
                    events.OrderCancelled(
                        order_id=order.pk,
                        shop_id=shop.pk,
                        customer_id=order.customer_id,
                        # The shop's time of the change where it says, else when we learnt it.
                        occurred_at=order.source_updated_at or now,
                    )
                )
        publish_many(published)
        record_activity_rows(activities)
        redeem_codes(
            (order, item.data.discount_codes)
            for (order, _created), item in zip(results, items, strict=True)
            if item.data.discount_codes
        )
    return results


def _insert_orders(shop: Shop, orders: list[Order]) -> None:
    """Insert new orders with one executemany and read their ids back by the shop's ids.

    ``bulk_create`` prepares every field of every order generically (decimal formatting among
    it), which costs more than the insert; the amounts here are Decimals rounded to cents
    already, which both databases take as they are.
    """
    if not orders:
        return
    adapt_datetime = connection.ops.adapt_datetimefield_value
    json_field = Order._meta.get_field("billing_address")

    def as_json(value: dict) -> Any:
        return json_field.get_db_prep_save(value, connection)

    now = adapt_datetime(timezone.now())
    rows = [
        (
            shop.pk,
            order.external_id,
            order.number,
            order.number_reversed,
            order.customer_id,
            order.email,
            order.status,
            adapt_datetime(order.placed_at),
            order.currency,
            order.subtotal,
            order.shipping_total,
            order.discount_total,
            order.tax_total,
            order.total,
            ZERO,
            order.is_test,
            as_json(order.billing_address),
            as_json(order.shipping_address),
            adapt_datetime(order.source_updated_at),
            now,
            now,
        )
        for order in orders
    ]
    insert_rows(Order, _INSERTED_FIELDS, rows)
    ids = dict(
        Order.objects.filter(
            shop=shop, external_id__in=[order.external_id for order in orders]
        ).values_list("external_id", "pk")
    )
    for order in orders:
        order.pk = ids[order.external_id]
        order._state.adding = False


_INSERTED_FIELDS = (
    "shop",
    "external_id",
    "number",
    "number_reversed",
    "customer",
    "email",
    "status",
    "placed_at",
    "currency",
    "subtotal",
    "shipping_total",
    "discount_total",
    "tax_total",
    "total",
    "refunded_total",
    "is_test",
    "billing_address",
    "shipping_address",
    "source_updated_at",
    "created_at",
    "updated_at",
)
# What an update writes: everything but the identity, what only refunds change, and creation.
_UPDATED_FIELDS = [
    name
    for name in _INSERTED_FIELDS
    if name not in {"shop", "external_id", "refunded_total", "created_at"}
]


def _activities_after_upsert(
    order: Order,
    created: bool,
    previous_status: str | None,
    previous_total: Decimal | None,
    actor_label: str,
) -> list[ActivityRow]:
    """The timeline entries an upsert writes: placed, cancelled, or updated."""
    rows = []
    if order.customer_id is not None and created:
        rows.append(
            ActivityRow(
                customer_id=order.customer_id,
                kind=ActivityKind.ORDER_PLACED.value,
                occurred_at=order.placed_at,
                params={"number": order.number, **money_params(order.total, order.currency)},
                channel=Channel.SHOP.value,
                direction=Direction.INBOUND.value,
                actor_label=actor_label,
                subject_type=ORDER_SUBJECT,
                subject_id=order.pk,
                dedupe_key=f"order:{order.pk}:placed",
            )
        )
    if order.status == OrderStatus.CANCELLED and previous_status != OrderStatus.CANCELLED:
        rows.extend(after_cancel_activity(order, actor_label=actor_label))
    elif (
        not created
        and order.customer_id is not None
        and (order.status != previous_status or order.total != previous_total)
    ):
        rows.append(
            ActivityRow(
                customer_id=order.customer_id,
                kind=ActivityKind.ORDER_UPDATED.value,
                occurred_at=order.source_updated_at or timezone.now(),
                params={
                    "number": order.number,
                    "status": order.status,
                    **money_params(order.total, order.currency),
                },
                channel=Channel.SHOP.value,
                direction=Direction.INTERNAL.value,
                actor_label=actor_label,
                subject_type=ORDER_SUBJECT,
                subject_id=order.pk,
                dedupe_key=f"order:{order.pk}:updated:{order.status}:{order.total}"
                + (f":{order.source_updated_at.isoformat()}" if order.source_updated_at else ""),
            )
        )
    return rows


def _line_values(line: LineInput) -> dict:
    return {
        "sku": line.sku[:64],
        "external_id": line.external_id[:100],
        "name": line.name[:300],
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "total": line.line_total,
    }


_LINE_FIELDS = ("sku", "external_id", "name", "quantity", "unit_price", "total")


def _write_lines(orders: list[tuple[Order, Sequence[LineInput], bool]]) -> None:
    """Write the lines of the orders; an existing line keeps its row (returns point at it)."""
    held: dict[int, dict[int, OrderLine]] = {}
    updated_ids = [order.pk for order, _lines, created in orders if not created]
    if updated_ids:
        for row in OrderLine.objects.filter(order_id__in=updated_ids):
            held.setdefault(row.order_id, {})[row.line_number] = row
    new_rows, changed_rows, removed = [], [], []
    for order, lines, _created in orders:
        existing = held.pop(order.pk, {})
        for number, line in enumerate(lines, start=1):
            values = _line_values(line)
            row = existing.pop(number, None)
            if row is None:
                new_rows.append((order.pk, number, *values.values()))
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                changed_rows.append(row)
        removed.extend(row.pk for row in existing.values())
    if removed:
        OrderLine.objects.filter(pk__in=removed).delete()
    if changed_rows:
        update_rows(changed_rows, _LINE_FIELDS)
    insert_rows(OrderLine, ("order", "line_number", *_LINE_FIELDS), new_rows)
