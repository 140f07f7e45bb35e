"""Importing order lines from CSV: one row per order line, rows of an order anywhere in the file.

The hot path is set-based: rows are parsed with the csv module, collected into batches, and each
batch resolves its customers and orders with a handful of queries and inserts its lines with one
``INSERT ... ON CONFLICT DO NOTHING`` executemany, all in one transaction. The natural keys make a
second run a no-op: Order (shop, external_id), OrderLine (order, line_number) where the line
number is the row's position within its order in the file, ShopAccount (shop, external_id) and
Customer by normalized e-mail.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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
from stammkunde.timeline.services import ActivityRow, record_activity_rows

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


# The cells _parse reads, in the order it unpacks them.
FIELDS = (
    "order_number",
    "placed_at",
    "quantity",
    "unit_price",
    "shipping",
    "customer_email",
    "status",
    "currency",
    "sku",
    "customer_id",
    "first_name",
    "last_name",
    "product_name",
)
# Distinct order times kept parsed; the rows of an order repeat its time.
MOMENT_CACHE_SIZE = 65_536


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


# An accepted line, ready for INSERT_LINES except that it names its order by number:
# (order number, line number, sku, name, quantity, unit price, total).
Line = tuple[str, int, str, str, int, Decimal, Decimal]


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
        self._adapt_datetime = connection.ops.adapt_datetimefield_value
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
        # One C call picks the cells _parse needs; a column the file lacks reads the empty
        # cell appended at index ``width``.
        pick = operator.itemgetter(*(columns.get(name, width) for name in FIELDS))
        with sqlite_bulk_write_settings():
            self._read(source, width, pick, progress)
        self.summary.orders = len(self.positions)
        return self.summary

    def _read(
        self,
        source: CsvSource,
        width: int,
        pick: Callable[[list[str]], tuple[str, ...]],
        progress: Callable[[int], None] | None,
    ) -> None:
        parse = self._parse
        lines = self._lines
        batch_size = self.batch_size
        for line, cells, problem in source.rows():
            self.summary.rows += 1
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
            parse(line, pick(cells))
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

    def _parse(self, line: int, cells: tuple[str, ...]) -> None:
        """Check one row (the cells named by FIELDS) and add it to the batch or reject it."""
        (
            number,
            placed_text,
            quantity_text,
            price_text,
            shipping_text,
            email_text,
            status,
            currency,
            sku,
            customer_id,
            first_name,
            last_name,
            product_name,
        ) = map(str.strip, cells)
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
            quantity = parsing.parse_quantity(quantity_text)
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
        if prefix and number.startswith(prefix):
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
        head = self._heads.get(number)
        if head is None:
            self._heads[number] = OrderHead(
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
        self._lines.append(
            (
                number,
                line_number,
                sku,
                (product_name or sku or "?")[:300],
                quantity,
                unit_price,
                (unit_price * quantity).quantize(parsing.CENT),
            )
        )

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
        order_ids = self._upsert_orders(heads, customer_ids)
        params = [
            (order_ids[number], line_number, sku, name, quantity, unit_price, total)
            for number, line_number, sku, name, quantity, unit_price, total in lines
        ]
        with connection.cursor() as cursor:
            cursor.executemany(INSERT_LINES, params)
            self.summary.lines_created += max(cursor.rowcount, 0)
            ids = sorted(set(order_ids.values()))
            cursor.execute(UPDATE_TOTALS.format(ids=", ".join(["%s"] * len(ids))), ids)
        self.summary.accepted += len(lines)
        self._record_timeline(created)
        heads.clear()
        lines.clear()

    def _upsert_orders(
        self, heads: dict[str, OrderHead], customer_ids: dict[tuple[str, str], int]
    ) -> dict[str, int]:
        """Insert the orders not yet known, with their timeline entries; return number -> id."""
        numbers = list(heads)
        existing = {number: order_id for number, order_id, _customer in self._find_orders(numbers)}
        shipping_zero = connection.ops.adapt_decimalfield_value(ZERO, 14, 2)
        adapt_shipping = connection.ops.adapt_decimalfield_value
        shop_id = self.shop.pk
        new = [
            (
                shop_id,
                number,
                number,
                customer_ids.get((head.customer_id, head.email)),
                head.email,
                head.status,
                head.placed_at_db,
                head.currency,
                shipping_zero if head.shipping is None else adapt_shipping(head.shipping, 14, 2),
            )
            for number, head in heads.items()
            if number not in existing
        ]
        # ON CONFLICT: another import of the same shop may insert the same order meanwhile.
        insert_ignore(Order, ORDER_COLUMNS, new, conflict=("shop_id", "external_id"))
        self.summary.orders_created += len(new)
        if not new:
            return existing
        rows = self._find_orders(numbers)
        result = {}
        activities = []
        kind, channel, direction = (
            ActivityKind.ORDER_PLACED.value,
            Channel.SHOP.value,
            Direction.INBOUND.value,
        )
        actor_label, summary = _("CSV import"), _("Order %(number)s placed")
        for number, order_id, customer_id in rows:
            result[number] = order_id
            if number not in existing and customer_id is not None:
                activities.append(
                    ActivityRow(
                        customer_id,
                        kind,
                        heads[number].placed_at,
                        summary % {"number": number},
                        channel,
                        direction,
                        actor_label,
                        "shop.order",
                        order_id,
                        f"order:{order_id}:placed",
                    )
                )
        record_activity_rows(activities)
        return result

    def _find_orders(self, numbers: list[str]) -> list[tuple[str, int, int | None]]:
        """(number, id, customer id) of this shop's orders with the given numbers."""
        # Plain SQL: the ORM prepares every value of a 2,000-item IN list on its own.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id, id, customer_id FROM shop_order WHERE shop_id = %s"
                f" AND external_id IN ({', '.join(['%s'] * len(numbers))})",
                [self.shop.pk, *numbers],
            )
            return cursor.fetchall()

    def _record_timeline(self, created: list[int]) -> None:
        kind = ActivityKind.CUSTOMER_CREATED.value
        actor_label, summary = _("CSV import"), _("Customer created (CSV import)")
        record_activity_rows(
            ActivityRow(
                customer_id,
                kind,
                self.now,
                summary,
                actor_label=actor_label,
                dedupe_key=f"customer:{customer_id}:created",
            )
            for customer_id in created
        )
