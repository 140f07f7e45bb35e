"""Importing order lines from CSV: one row per order line, rows of an order anywhere in the file.

The hot path is set-based: rows are parsed with the csv module, collected into batches, and each
batch resolves its customers and orders with a handful of queries and inserts its lines with one
``INSERT ... ON CONFLICT DO NOTHING`` executemany, all in one transaction. The natural keys make a
second run a no-op: Order (shop, external_id), OrderLine (order, line_number) where the line
number is the row's position within its order in the file, ShopAccount (shop, external_id) and
Customer by normalized e-mail.

Per row, only the cells that differ from the previous row of the same order cost work: a row
whose order cells (number, time, customer, status, currency, shipping) equal the previous
accepted row's and whose quantity and price were read before is added with a few dictionary
lookups; every other row takes the full path with all checks. Totals of orders created in a
batch are summed in Python from the batch's lines; only orders that existed before are recounted
from their stored lines in SQL.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.connectors.csv_import import parsing
from stammkunde.connectors.csv_import.linking import link_customers
from stammkunde.connectors.csv_import.mappings import Mapping
from stammkunde.connectors.csv_import.reading import CsvSource
from stammkunde.connectors.csv_import.report import ErrorFile, ImportSummary, Rejection
from stammkunde.core.bulk import insert_ignore, sqlite_bulk_write_settings
from stammkunde.shop.models import ZERO, Order, OrderStatus, Shop
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import SUMMARY_MAX, record_activity_values

BATCH_SIZE = 10_000
STATUSES = frozenset(OrderStatus.values)
PLACED = OrderStatus.PLACED.value

INSERT_LINES = (
    "INSERT INTO shop_orderline (order_id, line_number, sku, name, quantity, unit_price, total)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (order_id, line_number) DO NOTHING"
)
ORDER_COLUMNS = (
    "shop_id",
    "external_id",
    "number",
    "customer_id",
    "email",
    "status",
    "placed_at",
    "currency",
    "shipping_total",
    "subtotal",
    "total",
)
# ROUND keeps SQLite's floating-point sums at cents; PostgreSQL sums numerics exactly anyway.
UPDATE_TOTALS = (
    "UPDATE shop_order SET"
    " subtotal = COALESCE((SELECT ROUND(SUM(l.total), 2) FROM shop_orderline l"
    "   WHERE l.order_id = shop_order.id), 0),"
    " total = COALESCE((SELECT ROUND(SUM(l.total), 2) FROM shop_orderline l"
    "   WHERE l.order_id = shop_order.id), 0) + shipping_total - discount_total"
    " WHERE id IN ({ids})"
)


# The cells of a row that belong to its order (the same on every row of the order), in the
# order _parse unpacks them ...
HEAD_FIELDS = (
    "order_number",
    "placed_at",
    "shipping",
    "customer_email",
    "status",
    "currency",
    "customer_id",
    "first_name",
    "last_name",
)
# ... and the cells of the line itself.
LINE_FIELDS = ("quantity", "unit_price", "sku", "product_name")
# Distinct order times kept parsed; the rows of an order repeat its time.
MOMENT_CACHE_SIZE = 65_536
# Distinct (quantity, unit price) cells kept read, with the line total: prices and quantities
# repeat across millions of lines.
AMOUNT_CACHE_SIZE = 65_536


@dataclass(slots=True)
class OrderHead:
    """The header fields of an order, from its first accepted row in the batch."""

    customer_id: str
    email: str
    first_name: str
    last_name: str
    status: str
    placed_at: datetime
    placed_at_db: Any
    currency: str
    shipping: Decimal | None
    # Sum of the line totals of this order accepted in the batch.
    subtotal: Decimal = ZERO


# An accepted line, ready for INSERT_LINES except that it names its order by number:
# (order number, line number, sku, name, quantity, unit price, total), the amounts as
# ``_money_to_db`` gives them.
Line = tuple[str, int, str, str, int, Any, Any]


class OrderImporter:
    """Imports one orders file into one shop; call ``run`` once."""

    def __init__(
        self,
        *,
        shop: Shop,
        mapping: Mapping,
        errors: ErrorFile,
        batch_size: int = BATCH_SIZE,
        now: datetime | None = None,
    ) -> None:
        self.shop = shop
        self.mapping = mapping
        self.errors = errors
        self.batch_size = batch_size
        self.now = now or timezone.now()
        self.tz = ZoneInfo(mapping.time_zone or shop.time_zone)
        self.currency = mapping.currency or shop.currency
        self.cancellation_prefix = mapping.cancellation_prefix
        self.column_names: dict[str, str] = {}
        self.summary = ImportSummary(kind="orders")
        # Rows seen per order number: the position of the next row within its order. One small
        # int per order; everything else is per batch, so memory does not grow with lines.
        self.positions: dict[str, int] = {}
        # Parsed order time per distinct text: (aware datetime, value ready for the database).
        self._moments: dict[str, tuple[datetime, Any]] = {}
        # Bound once: every attribute of ``django.db.connection`` is a lookup through a proxy.
        self._adapt_datetime = _datetime_to_db()
        self._money_to_db = _money_to_db()
        # (quantity cell, unit price cell) as in the file -> (quantity as written, line total
        # for the absolute quantity, and unit price and line total ready for the database);
        # only cells that were read without error.
        self._amounts: dict[tuple[str, str], tuple[int, Decimal, Any, Any]] = {}
        # The last accepted row's order cells as in the file, its order number, head and
        # whether it is a cancellation; None after each batch, whose heads start afresh.
        self._last: tuple[tuple[str, ...], str, OrderHead, bool] | None = None
        self._heads: dict[str, OrderHead] = {}
        self._lines: list[Line] = []

    def run(
        self, source: CsvSource, progress: Callable[[int], None] | None = None
    ) -> ImportSummary:
        """Import every row of ``source``; rejected rows go to the error file."""
        columns = self.mapping.resolve(source.header)
        # Rejections name the column as the file does, not as the mapping calls it.
        self.column_names = {name: source.header[index] for name, index in columns.items()}
        width = len(source.header)
        # Two C calls pick the cells _parse needs; a column the file lacks reads the empty
        # cell appended at index ``width``.
        pick_head = operator.itemgetter(*(columns.get(name, width) for name in HEAD_FIELDS))
        pick_line = operator.itemgetter(*(columns.get(name, width) for name in LINE_FIELDS))
        with sqlite_bulk_write_settings():
            self._read(source, width, pick_head, pick_line, progress)
        self.summary.orders = len(self.positions)
        return self.summary

    def _read(
        self,
        source: CsvSource,
        width: int,
        pick_head: Callable[[list[str]], tuple[str, ...]],
        pick_line: Callable[[list[str]], tuple[str, ...]],
        progress: Callable[[int], None] | None,
    ) -> None:
        parse = self._parse
        lines = self._lines
        append = lines.append
        amounts = self._amounts
        positions = self.positions
        batch_size = self.batch_size
        summary = self.summary
        for line, cells, problem in source.rows():
            summary.rows += 1
            if cells is None:
                self._reject(line, "", _("Malformed CSV row: %(error)s") % {"error": problem})
                continue
            if len(cells) != width:
                self._reject(
                    line,
                    "",
                    _("The row has %(found)d fields, the header %(expected)d.")
                    % {"found": len(cells), "expected": width},
                )
                continue
            cells.append("")
            head_cells = pick_head(cells)
            line_cells = pick_line(cells)
            last = self._last
            # The fast path: the same order as the last accepted row, with its cells unchanged,
            # and a quantity and price read before. Anything else, including every row that
            # will be rejected, takes the full path in _parse.
            if last is not None and head_cells == last[0]:
                quantity_text, price_text, sku, product_name = line_cells
                known = amounts.get((quantity_text, price_text))
                if known is not None:
                    quantity, total, unit_price, total_db = known
                    if last[3]:
                        quantity = abs(quantity)
                    if quantity > 0:
                        number = last[1]
                        line_number = positions[number] + 1
                        positions[number] = line_number
                        sku = sku.strip()[:64]
                        last[2].subtotal += total
                        append(
                            (
                                number,
                                line_number,
                                sku,
                                (product_name.strip() or sku or "?")[:300],
                                quantity,
                                unit_price,
                                total_db,
                            )
                        )
                        if len(lines) >= batch_size:
                            self._flush()
                            if progress:
                                progress(source.position)
                        continue
            parse(line, head_cells, line_cells)
            if len(lines) >= batch_size:
                self._flush()
                if progress:
                    progress(source.position)
        if lines:
            self._flush()
        if progress:
            progress(source.position)

    def _placed_at(self, text: str) -> tuple[datetime, Any]:
        moment = self._moments.get(text)
        if moment is None:
            parsed = parsing.parse_datetime(text, default_tz=self.tz)
            parsing.check_not_future(parsed, now=self.now)
            if len(self._moments) >= MOMENT_CACHE_SIZE:
                self._moments.clear()
            moment = self._moments[text] = (parsed, self._adapt_datetime(parsed))
        return moment

    def _reject(self, line: int, column: str, reason: str) -> None:
        column = self.column_names.get(column, column)
        self.summary.reject(Rejection(line, column, reason), self.errors)

    def _parse(self, line: int, head_cells: tuple[str, ...], line_cells: tuple[str, ...]) -> None:
        """Check one row (the cells named by HEAD_FIELDS and LINE_FIELDS) and add it to the
        batch or reject it."""
        (
            number,
            placed_text,
            shipping_text,
            email_text,
            status,
            currency,
            customer_id,
            first_name,
            last_name,
        ) = map(str.strip, head_cells)
        quantity_text, price_text, sku, product_name = map(str.strip, line_cells)
        number = number[:64]
        if not number:
            self._reject(line, "order_number", _("The order number is empty."))
            return
        # Count every row of the order, accepted or not, so fixing a rejected row and importing
        # again does not shift the positions of the rows after it.
        line_number = self.positions.get(number, 0) + 1
        self.positions[number] = line_number
        field = "placed_at"
        try:
            placed_at, placed_at_db = self._moments.get(placed_text) or self._placed_at(placed_text)
            field = "quantity"
            quantity = written_quantity = parsing.parse_quantity(quantity_text)
            field = "unit_price"
            unit_price = parsing.parse_money(price_text)
            field = "shipping"
            shipping = parsing.parse_money(shipping_text) if shipping_text else None
            field = "customer_email"
            email = email_text.lower()
            if email and not parsing.is_valid_email(email):
                raise parsing.FieldError(
                    _("“%(value)s” is not a valid e-mail address.") % {"value": email}
                )
        except parsing.FieldError as error:
            self._reject(line, field, str(error))
            return
        status = status.lower() or PLACED
        prefix = self.cancellation_prefix
        cancellation = bool(prefix) and number.startswith(prefix)
        if cancellation:
            status, quantity = OrderStatus.CANCELLED, abs(quantity)
        if status not in STATUSES:
            self._reject(
                line,
                "status",
                _("Unknown status “%(value)s” (known: %(known)s).")
                % {"value": status, "known": ", ".join(sorted(STATUSES))},
            )
            return
        if quantity <= 0:
            reason = (
                _("The quantity is 0.")
                if quantity == 0
                else _(
                    "The quantity %(value)s is negative; only cancellations may have negative "
                    "quantities."
                )
                % {"value": quantity}
            )
            self._reject(line, "quantity", reason)
            return
        currency = (currency or self.currency).upper()
        if len(currency) != 3 or not currency.isalpha():
            self._reject(
                line, "currency", _("“%(value)s” is not a currency code.") % {"value": currency}
            )
            return
        sku = sku[:64]
        total = (unit_price * quantity).quantize(parsing.CENT)
        head = self._heads.get(number)
        if head is None:
            head = self._heads[number] = OrderHead(
                customer_id=parsing.normalize_external_id(customer_id)[:100],
                email=email,
                first_name=first_name[:100],
                last_name=last_name[:100],
                status=status,
                placed_at=placed_at,
                placed_at_db=placed_at_db,
                currency=currency,
                shipping=shipping,
            )
        elif head.shipping is None:
            head.shipping = shipping
        head.subtotal += total
        amounts = (
            written_quantity,
            total,
            self._money_to_db(unit_price),
            self._money_to_db(total),
        )
        self._lines.append(
            (
                number,
                line_number,
                sku,
                (product_name or sku or "?")[:300],
                quantity,
                amounts[2],
                amounts[3],
            )
        )
        # Let the next rows of this order take the fast path in _read.
        if len(self._amounts) >= AMOUNT_CACHE_SIZE:
            self._amounts.clear()
        self._amounts[line_cells[:2]] = amounts
        self._last = (head_cells, number, head, cancellation)

    @transaction.atomic
    def _flush(self) -> None:
        """Write one batch: customers, orders, lines, totals and timeline, in one transaction."""
        heads, lines = self._heads, self._lines
        customer_ids, created = link_customers(
            self.shop,
            [
                (head.customer_id, head.email, head.first_name, head.last_name)
                for head in heads.values()
            ],
        )
        self.summary.customers_created += len(created)
        order_ids, recount = self._upsert_orders(heads, customer_ids)
        params = [
            (order_ids[number], line_number, sku, name, quantity, unit_price, total)
            for number, line_number, sku, name, quantity, unit_price, total in lines
        ]
        with connection.cursor() as cursor:
            cursor.executemany(INSERT_LINES, params)
            self.summary.lines_created += max(cursor.rowcount, 0)
            # Orders created in this batch got their totals from the batch's lines on insert;
            # those that existed before may hold lines from earlier batches, runs or webhooks.
            for ids in _chunks(sorted(recount)):
                cursor.execute(UPDATE_TOTALS.format(ids=", ".join(["%s"] * len(ids))), ids)
        self.summary.accepted += len(lines)
        self._record_timeline(created)
        heads.clear()
        lines.clear()
        self._last = None

    def _upsert_orders(
        self, heads: dict[str, OrderHead], customer_ids: dict[tuple[str, str], int]
    ) -> tuple[dict[str, int], set[int]]:
        """Insert the orders not yet known, with their totals and timeline entries.

        Returns number -> id, and the ids of the orders whose totals must be recounted from
        their stored lines: those that existed before (all of them if another writer inserted
        one of ours meanwhile, so that its total is not taken from this batch alone).
        """
        numbers = list(heads)
        existing = {number: order_id for number, order_id, _customer in self._find_orders(numbers)}
        to_db = self._money_to_db
        shop_id = self.shop.pk
        new = []
        for number, head in heads.items():
            if number in existing:
                continue
            shipping = ZERO if head.shipping is None else head.shipping
            new.append(
                (
                    shop_id,
                    number,
                    number,
                    customer_ids.get((head.customer_id, head.email)),
                    head.email,
                    head.status,
                    head.placed_at_db,
                    head.currency,
                    to_db(shipping),
                    to_db(head.subtotal),
                    # As UPDATE_TOTALS computes it; a new order has no discount.
                    to_db(head.subtotal + shipping),
                )
            )
        # ON CONFLICT: another import of the same shop may insert the same order meanwhile.
        inserted = insert_ignore(Order, ORDER_COLUMNS, new, conflict=("shop_id", "external_id"))
        self.summary.orders_created += len(new)
        if not new:
            return existing, set(existing.values())
        rows = self._find_orders(numbers)
        result = {number: order_id for number, order_id, _customer in rows}
        recount = set(existing.values()) if inserted == len(new) else set(result.values())
        kind, channel, direction = (
            ActivityKind.ORDER_PLACED.value,
            Channel.SHOP.value,
            Direction.INBOUND.value,
        )
        actor_label, summary = _("CSV import"), _("Order %(number)s placed")
        record_activity_values(
            [
                (
                    customer_id,
                    kind,
                    heads[number].placed_at_db,
                    (summary % {"number": number})[:SUMMARY_MAX],
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
        return result, recount

    def _find_orders(self, numbers: list[str]) -> list[tuple[str, int, int | None]]:
        """(number, id, customer id) of this shop's orders with the given numbers."""
        # Plain SQL: the ORM prepares every value of a 2,000-item IN list on its own.
        found = []
        with connection.cursor() as cursor:
            for chunk in _chunks(numbers):
                cursor.execute(
                    f"SELECT external_id, id, customer_id FROM shop_order WHERE shop_id = %s"
                    f" AND external_id IN ({', '.join(['%s'] * len(chunk))})",
                    [self.shop.pk, *chunk],
                )
                found.extend(cursor.fetchall())
        return found

    def _record_timeline(self, created: list[int]) -> None:
        kind = ActivityKind.CUSTOMER_CREATED.value
        actor_label, summary = _("CSV import"), _("Customer created (CSV import)")
        occurred_at = self._adapt_datetime(self.now)
        summary = summary[:SUMMARY_MAX]
        channel, direction = Channel.INTERNAL.value, Direction.INTERNAL.value
        record_activity_values(
            [
                (
                    customer_id,
                    kind,
                    occurred_at,
                    summary,
                    channel,
                    direction,
                    actor_label,
                    "",
                    None,
                    f"customer:{customer_id}:created",
                )
                for customer_id in created
            ]
        )


def _datetime_to_db() -> Callable[[datetime], Any]:
    """``connection.ops.adapt_datetimefield_value`` for aware datetimes, without its per-call
    settings lookups, which cost more than the conversion once every order has its own time."""
    if connection.vendor == "sqlite" and settings.USE_TZ:
        # What Django's SQLite backend does: the naive time in the connection's zone, as text.
        zone = connection.timezone
        return lambda moment: str(moment.astimezone(zone).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


def _money_to_db() -> Callable[[Decimal], Any]:
    """How an amount goes to the database: on SQLite the text Django's registered adapter
    would make of it, computed once per distinct amount instead of by the driver per value."""
    if connection.vendor == "sqlite":
        return str
    return lambda amount: connection.ops.adapt_decimalfield_value(amount, 14, 2)


# Values per IN list: well below the bind parameter limits of SQLite (32,766) and PostgreSQL
# (65,535) whatever the batch size.
IN_CHUNK = 5_000


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]
