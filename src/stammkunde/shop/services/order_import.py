"""Writing one batch of imported order lines: customers, orders, lines, totals, timeline.

The bulk path of the CSV order import (``connectors.csv_import``), which reads and checks the
rows and hands each batch over as plain values. Set-based: a batch resolves its customers
(``customer_batch.link_customers``) and orders with a handful of queries, inserts its lines with
one ``INSERT ... ON CONFLICT DO NOTHING`` executemany and records the timeline entries in bulk,
all in one transaction (``ImportedOrderWriter.write``). The natural keys make a second run a
no-op: Order (shop, external_id), OrderLine (order, line_number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from stammkunde.core.bulk import insert_ignore, select_in
from stammkunde.core.events import publish
from stammkunde.core.plausible import MAX_AMOUNT
from stammkunde.shop.events import OrdersImported
from stammkunde.shop.models import Order, Shop, reversed_number
from stammkunde.shop.services.customer_batch import link_customers
from stammkunde.shop.totals import RECOUNT_TOTALS
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity_values, text_param_to_db

ZERO = Decimal(0)

INSERT_LINES = (
    "INSERT INTO shop_orderline (order_id, line_number, sku, name, quantity, unit_price, total)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (order_id, line_number) DO NOTHING"
)
ORDER_COLUMNS = (
    "shop_id",
    "external_id",
    "number",
    "number_reversed",
    "customer_id",
    "email",
    "status",
    "placed_at",
    "currency",
    "shipping_total",
    "subtotal",
    "total",
)
# Where OrderRow holds the order time.
PLACED_AT = 5

# An order head as the writer takes it: plain values, ready for the database, because a batch
# may come from another process and objects cost more to unpickle than the rest of the batch:
# (customer id, e-mail, first name, last name, status, placed_at, currency, shipping, subtotal,
# total), the total as ``totals.order_total`` computes it.
OrderRow = tuple[str, str, str, str, str, Any, str, Any, Any, Any]

# An accepted line, ready for INSERT_LINES except that it names its order by number:
# (order number, line number, sku, name, quantity, unit price, total), the amounts as
# ``money_to_db`` gives them ...
Line = tuple[str, int, str, str, int, Any, Any]
# ... and the lines of a batch as the writer takes them: column by column, the same seven
# (``zip(*lines)``), which unpickle several times faster than one tuple per line.
LineColumns = tuple[tuple[Any, ...], ...]


@dataclass
class BatchCounts:
    """What one batch wrote."""

    customers_created: int = 0
    orders_created: int = 0
    lines_created: int = 0
    # Positions in the batch of the lines not written: with them, the total of an order stored
    # before would reach ``plausible.MAX_AMOUNT``.
    refused: list[int] = field(default_factory=list)


class ImportedOrderWriter:
    """Writes the batches of one import into one shop."""

    def __init__(self, *, shop: Shop, now: datetime) -> None:
        self.shop = shop
        self.now = now
        # Bound once: every attribute of ``django.db.connection`` is a lookup through a proxy.
        self.adapt_datetime = datetime_to_db()
        self.adapt_utc_datetime = utc_datetime_to_db()
        self.money_to_db = money_to_db()

    @transaction.atomic
    def write(self, heads: dict[str, OrderRow], lines: LineColumns) -> BatchCounts:
        """Write one batch: customers, orders, lines, totals and timeline, in one transaction."""
        counts = BatchCounts()
        customer_ids, created = link_customers(
            self.shop,
            [head[:4] for head in heads.values()],
            occurred_at=self.now,
            actor_label="csv_import",
            source="csv_import",
        )
        counts.customers_created = len(created)
        order_ids, recount, counts.orders_created = self._upsert_orders(heads, customer_ids)
        numbers, *other_columns = lines
        params = list(zip(map(order_ids.__getitem__, numbers), *other_columns, strict=True))
        with connection.cursor() as cursor:
            if recount:
                counts.refused = _over_bound(cursor, params, recount)
                if counts.refused:
                    refused = set(counts.refused)
                    params = [row for index, row in enumerate(params) if index not in refused]
            cursor.executemany(INSERT_LINES, params)
            counts.lines_created = max(cursor.rowcount, 0)
            # Orders created in this batch got their totals from the batch's lines on insert;
            # those that existed before may hold lines from earlier batches, runs or webhooks.
            for ids in _chunks(sorted(recount)):
                cursor.execute(RECOUNT_TOTALS.format(ids=", ".join(["%s"] * len(ids))), ids)
        return counts

    def _upsert_orders(
        self, heads: dict[str, OrderRow], customer_ids: dict[tuple[str, str], int]
    ) -> tuple[dict[str, int], set[int], int]:
        """Insert the orders not yet known, with their totals and timeline entries.

        Returns number -> id, the ids of the orders whose totals must be recounted from their
        stored lines (those that existed before; all of them if another writer inserted one of
        ours meanwhile, so that its total is not taken from this batch alone), and how many
        orders were new.
        """
        numbers = list(heads)
        existing = {number: order_id for number, order_id, _customer in self._find_orders(numbers)}
        shop_id = self.shop.pk
        get_customer = customer_ids.get
        new = [
            (
                shop_id,
                number,
                number,
                reversed_number(number),
                get_customer((customer_id, email)),
                email,
                status,
                placed_at,
                currency,
                shipping,
                subtotal,
                total,
            )
            for number, (
                customer_id,
                email,
                _first_name,
                _last_name,
                status,
                placed_at,
                currency,
                shipping,
                subtotal,
                total,
            ) in heads.items()
            if number not in existing
        ]
        # ON CONFLICT: another import of the same shop may insert the same order meanwhile.
        inserted = insert_ignore(Order, ORDER_COLUMNS, new, conflict=("shop_id", "external_id"))
        if not new:
            return existing, set(existing.values()), 0
        rows = self._find_orders(numbers)
        result = {number: order_id for number, order_id, _customer in rows}
        recount = set(existing.values()) if inserted == len(new) else set(result.values())
        # One event for the batch's new orders, not one per order (the import stays as fast as
        # it was); the importer's origin (``import``) marks them as history.
        publish(
            OrdersImported(
                shop_id=shop_id,
                order_ids=tuple(result[number] for number in heads if number not in existing),
                occurred_at=self.now,
            )
        )
        kind, channel, direction = (
            ActivityKind.ORDER_PLACED.value,
            Channel.SHOP.value,
            Direction.INBOUND.value,
        )
        # No amount: an order's lines may span batches, its total is known only at the end.
        # The system's token, named in the reader's language when shown (format_actor).
        actor_label, encode = "csv_import", text_param_to_db("number")
        record_activity_values(
            [
                (
                    customer_id,
                    kind,
                    heads[number][PLACED_AT],
                    encode(number),
                    channel,
                    direction,
                    actor_label,
                    "shop.order",
                    order_id,
                    f"order:{order_id}:placed",
                )
                for number, order_id, customer_id in rows
                if customer_id is not None and number not in existing
            ]
        )
        return result, recount, len(new)

    def _find_orders(self, numbers: list[str]) -> list[tuple[str, int, int | None]]:
        """(number, id, customer id) of this shop's orders with the given numbers."""
        return select_in(
            "SELECT external_id, id, customer_id FROM shop_order WHERE shop_id = %s"
            " AND external_id IN ({in_list})",
            [self.shop.pk],
            numbers,
        )


def datetime_to_db() -> Callable[[datetime], Any]:
    """``connection.ops.adapt_datetimefield_value`` for aware datetimes, without its per-call
    settings lookups, which cost more than the conversion once every order has its own time."""
    if connection.vendor == "sqlite" and settings.USE_TZ:
        # What Django's SQLite backend does: the naive time in the connection's zone, as text.
        zone = connection.timezone
        return lambda moment: str(moment.astimezone(zone).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


def utc_datetime_to_db() -> Callable[[datetime], Any]:
    """``datetime_to_db()`` for naive datetimes that are UTC: on SQLite with the connection in
    UTC (the default) the text Django would store, without an aware datetime to make first."""
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
        return str
    adapt = datetime_to_db()
    return lambda moment: adapt(moment.replace(tzinfo=UTC))


def money_to_db() -> Callable[[Decimal], Any]:
    """How an amount goes to the database: on SQLite the text Django's registered adapter
    would make of it, computed once per distinct amount instead of by the driver per value."""
    if connection.vendor == "sqlite":
        return str
    return lambda amount: connection.ops.adapt_decimalfield_value(amount, 14, 2)


# The total RECOUNT_TOTALS would give the orders with the ids at {ids}.
RECOUNTED_TOTALS = (
    "SELECT o.id, COALESCE((SELECT ROUND(SUM(l.total), 2) FROM shop_orderline l"
    "   WHERE l.order_id = o.id), 0) + o.shipping_total - o.discount_total"
    " FROM shop_order o WHERE o.id IN ({ids})"
)


def _over_bound(cursor: Any, params: list[tuple[Any, ...]], recount: set[int]) -> list[int]:
    """Positions in ``params`` (INSERT_LINES rows) of the lines that would push the recounted
    total of an order stored before to ``MAX_AMOUNT`` or beyond, which PostgreSQL refuses to
    store (numeric field overflow) and would stop the import at.

    Like the reader within a file, line by line: a line that would reach the bound is left
    out, a smaller one after it may still fit. Lines already stored count once.
    """
    added: dict[int, Decimal] = {}
    for order_id, _line_number, _sku, _name, _quantity, _price, total in params:
        if order_id in recount:
            added[order_id] = added.get(order_id, ZERO) + Decimal(str(total))
    if not added:
        return []
    recounted: dict[int, Decimal] = {}
    for ids in _chunks(sorted(added)):
        cursor.execute(RECOUNTED_TOTALS.format(ids=", ".join(["%s"] * len(ids))), ids)
        recounted.update((order_id, Decimal(str(total))) for order_id, total in cursor.fetchall())
    # At most what the batch adds: lines already stored are not inserted again.
    near = [
        order_id for order_id, total in added.items() if recounted[order_id] + total >= MAX_AMOUNT
    ]
    if not near:
        return []
    stored = set(
        select_in(
            "SELECT order_id, line_number FROM shop_orderline WHERE order_id IN ({in_list})",
            [],
            near,
        )
    )
    near_set = set(near)
    refused = []
    for index, (order_id, line_number, *_rest, total) in enumerate(params):
        if order_id not in near_set or (order_id, line_number) in stored:
            continue
        amount = Decimal(str(total))
        if recounted[order_id] + amount >= MAX_AMOUNT:
            refused.append(index)
        else:
            recounted[order_id] += amount
    return refused


# Ids per recount statement: well below the bind parameter limits of SQLite (32,766) and
# PostgreSQL (65,535) whatever the batch size.
IN_CHUNK = 5_000


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]
