"""Reading and checking the rows of an orders file into batches for the writer.

Per row, only the cells that differ from the previous row of the same order cost work: a row
whose order cells (number, time, customer, status, currency, shipping) equal the previous
accepted row's and whose quantity and price were read before is added with a few dictionary
lookups; every other row takes the full path with all checks (``_parse``). The reader never
touches the database, so it can run in another process than the writing (``forked``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from stammkunde.connectors.csv_import import parsing
from stammkunde.connectors.csv_import.order_batches import Line, LineColumns, OrderHead, OrderRow
from stammkunde.connectors.csv_import.order_fields import STATUSES, OrderTimes, order_status
from stammkunde.connectors.csv_import.reading import CsvSource
from stammkunde.connectors.csv_import.report import ErrorFile, ImportSummary, Rejection
from stammkunde.core import plausible

# The first batches are small and double up to the batch size, so that the writing starts
# early instead of waiting for a whole batch to be read.
FIRST_BATCH_SIZE = 5_000
ZERO = Decimal(0)

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
# Distinct (quantity, unit price) cells kept read, with the line total: prices and quantities
# repeat across millions of lines.
AMOUNT_CACHE_SIZE = 65_536
TEXT_CACHE_SIZE = 65_536

# One batch as the reading hands it to the writing: order heads by number, accepted lines, and
# the bytes of the file read so far (for the progress bar).
Batch = tuple[dict[str, OrderRow], LineColumns, int]


class OrderRowReader:
    """Reads the rows of one orders file into batches; rejected rows go to the error file.

    Counts into the reading side of ``summary`` only (rows, rejections); ``positions`` holds the
    rows seen per order number.
    """

    def __init__(
        self,
        *,
        summary: ImportSummary,
        errors: ErrorFile,
        time_zone: ZoneInfo,
        currency: str,
        cancellation_prefix: str,
        now: datetime,
        decimal_separator: str = "",
        adapt_datetime: Callable[[datetime], Any],
        adapt_utc_datetime: Callable[[datetime], Any] | None = None,
        money_to_db: Callable[[Decimal], Any],
    ) -> None:
        self.summary = summary
        self.errors = errors
        self.currency = currency
        self.cancellation_prefix = cancellation_prefix
        self.decimal_separator = decimal_separator
        self.now = now
        self._money_to_db = money_to_db
        # Rejections name the column as the file does, not as the mapping calls it.
        self.column_names: dict[str, str] = {}
        # Rows seen per order number: the position of the next row within its order. One small
        # int per order; everything else is per batch, so memory does not grow with lines.
        self.positions: dict[str, int] = {}
        # Sum of the accepted line totals per order number in the whole file: each line may be
        # plausible while the order's total, written as one amount, would not fit its column.
        self.subtotals: dict[str, Decimal] = {}
        # The order times of the file, each distinct text read once.
        self._times = OrderTimes(
            time_zone=time_zone,
            now=now,
            adapt_datetime=adapt_datetime,
            adapt_utc_datetime=adapt_utc_datetime,
        )
        # (quantity cell, unit price cell) as in the file -> (quantity as written, line total
        # for the absolute quantity, and unit price and line total ready for the database);
        # only cells that were read without error.
        self._amounts: dict[tuple[str, str], tuple[int, Decimal, Any, Any]] = {}
        # The last accepted row's order cells as in the file, its order number, head and
        # whether it is a cancellation; None after each batch, whose heads start afresh.
        self._last: tuple[tuple[str, ...], str, OrderHead, bool] | None = None
        self._heads: dict[str, OrderHead] = {}
        self._lines: list[Line] = []
        # SKUs and product names seen, each text once: products repeat over thousands of lines,
        # and a batch that repeats one string object pickles it once (see forked).
        self._texts: dict[str, str] = {}

    def batches(
        self, source: CsvSource, columns: dict[str, int], batch_size: int
    ) -> Iterator[Batch]:
        """Read and check the rows of ``source`` (``columns``: field -> index in the row); yield
        batches of up to ``batch_size`` lines as (heads, lines, bytes read so far)."""
        header = source.header
        self.column_names = {name: header[index] for name, index in columns.items()}
        width = len(header)
        # Two C calls pick the cells _parse needs; a column the file lacks reads the empty
        # cell appended at index ``width``.
        pick_head = operator.itemgetter(*(columns.get(name, width) for name in HEAD_FIELDS))
        number_index = columns.get("order_number", width)
        pick_line = operator.itemgetter(*(columns.get(name, width) for name in LINE_FIELDS))
        parse = self._parse
        amounts = self._amounts
        positions = self.positions
        subtotals = self.subtotals
        bound = plausible.MAX_AMOUNT
        summary = self.summary
        shared = self._texts.setdefault
        limit = min(batch_size, FIRST_BATCH_SIZE)
        lines = self._lines
        for line, cells, problem in source.rows():
            summary.rows += 1
            if cells is None:
                self._count_rejected(source.salvage(), number_index)
                self._reject(line, "", problem)
                continue
            if len(cells) != width:
                self._count_rejected(cells, number_index)
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
            known = None
            if last is not None and head_cells == last[0]:
                known = amounts.get(line_cells[:2])
            quantity = 0
            if known is not None:
                quantity, total, unit_price, total_db = known
                if last[3]:
                    quantity = abs(quantity)
            if quantity > 0:
                number = last[1]
                subtotal = subtotals[number] + total
                # An order about to reach the bound takes the full path, which rejects the row.
                if subtotal + (last[2].shipping or 0) >= bound:
                    quantity = 0
            if quantity > 0:
                _quantity, _price, sku, product_name = line_cells
                subtotals[number] = subtotal
                line_number = positions[number] + 1
                positions[number] = line_number
                sku = sku.strip()[:64]
                name = (product_name.strip() or sku or "?")[:300]
                last[2].subtotal += total
                lines.append(
                    (
                        number,
                        line_number,
                        shared(sku, sku),
                        shared(name, name),
                        quantity,
                        unit_price,
                        total_db,
                        line,
                    )
                )
            else:
                parse(line, head_cells, line_cells)
            if len(lines) >= limit:
                # Nothing here holds the batch's line tuples while it is handed over (they are
                # in its columns now): the collection after each batch (forked) need not
                # traverse fifty thousand of them.
                lines = None
                yield self._take_batch(source.position)
                lines = self._lines
                limit = min(2 * limit, batch_size)
        yield self._take_batch(source.position)

    def finish(self) -> tuple[int, int, list[Rejection], int]:
        """Close the error file; return what the reading counted: rows, rejected rows, the
        rejections kept for the summary, and orders in the file."""
        self.errors.close()
        summary = self.summary
        return summary.rows, summary.rejected, summary.rejections, len(self.positions)

    def _count_rejected(self, cells: list[str], number_index: int) -> None:
        """Count a row rejected before its cells could be checked (unreadable, or with the
        wrong number of fields) for its order's line positions, as every rejected row counts:
        fixing it and importing again must put it in its place, not shift the rows after it.
        Its order number is the cell in the order number's column, if the row reaches it (a
        stray separator or a cut-off row rarely moves the first columns)."""
        if number_index < len(cells):
            number = cells[number_index].strip()[:64]
            if number:
                self.positions[number] = self.positions.get(number, 0) + 1

    def _take_batch(self, position: int) -> Batch:
        """The batch collected so far, in the form the writer takes; empty ones for the next."""
        to_db = self._money_to_db
        batch = (
            {number: head.row(to_db) for number, head in self._heads.items()},
            tuple(zip(*self._lines, strict=True)),
            position,
        )
        self._heads, self._lines = {}, []
        self._last = None
        if len(self._texts) >= TEXT_CACHE_SIZE:
            self._texts.clear()
        return batch

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
        # Quantity and price cells read before (without error) need no reading again: the
        # first row of each order comes here, and most repeat amounts of earlier orders.
        known = self._amounts.get(line_cells[:2])
        if not number:
            self._reject(line, "order_number", _("The order number is empty."))
            return
        # Count every row of the order, accepted or not, so fixing a rejected row and importing
        # again does not shift the positions of the rows after it.
        line_number = self.positions.get(number, 0) + 1
        self.positions[number] = line_number
        field = "placed_at"
        try:
            placed_at = self._times.get(placed_text)
            separator = self.decimal_separator
            if known is None:
                field = "quantity"
                quantity = written_quantity = parsing.parse_quantity(
                    quantity_text, decimal_separator=separator
                )
                field = "unit_price"
                unit_price = parsing.parse_money(price_text, decimal_separator=separator)
            else:
                quantity = written_quantity = known[0]
            field = "shipping"
            shipping = (
                parsing.parse_money(shipping_text, decimal_separator=separator)
                if shipping_text
                else None
            )
            field = "customer_id"
            customer_id = parsing.normalize_external_id(customer_id)
            field = "customer_email"
            email = email_text.lower()
            if email and not parsing.is_valid_email(email):
                raise parsing.FieldError(
                    _("“%(value)s” is not a valid e-mail address.") % {"value": email}
                )
        except parsing.FieldError as error:
            self._reject(line, field, str(error))
            return
        prefix = self.cancellation_prefix
        cancellation = bool(prefix) and number.startswith(prefix)
        status = order_status(status, cancellation=cancellation)
        if cancellation:
            quantity = abs(quantity)
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
        if known is None:
            total = (unit_price * quantity).quantize(parsing.CENT)
            if total >= plausible.MAX_AMOUNT:
                self._reject(
                    line,
                    "unit_price",
                    _("The line total %(value)s is too large.") % {"value": total},
                )
                return
        else:
            # For the absolute quantity, as here: a row that is no cancellation and has a
            # negative one was rejected above.
            total = known[1]
        head = self._heads.get(number)
        subtotal = self.subtotals.get(number, ZERO) + total
        shipped = (head.shipping if head is not None else None) or shipping or ZERO
        if subtotal + shipped >= plausible.MAX_AMOUNT:
            self._reject(
                line,
                "unit_price",
                _(
                    "With this line the total of order %(number)s would reach %(max)s, more "
                    "than an order can hold."
                )
                % {"number": number, "max": plausible.MAX_AMOUNT},
            )
            return
        self.subtotals[number] = subtotal
        if head is None:
            head = self._heads[number] = OrderHead(
                customer_id=customer_id[:100],
                email=email,
                first_name=first_name[:100],
                last_name=last_name[:100],
                status=status,
                placed_at_db=placed_at,
                currency=currency,
                shipping=shipping,
            )
        elif head.shipping is None:
            head.shipping = shipping
        head.subtotal += total
        amounts = known or (
            written_quantity,
            total,
            self._money_to_db(unit_price),
            self._money_to_db(total),
        )
        name = (product_name or sku or "?")[:300]
        self._lines.append(
            (
                number,
                line_number,
                self._texts.setdefault(sku, sku),
                self._texts.setdefault(name, name),
                quantity,
                amounts[2],
                amounts[3],
                line,
            )
        )
        # Let the next rows of this order take the fast path in batches.
        if known is None:
            if len(self._amounts) >= AMOUNT_CACHE_SIZE:
                self._amounts.clear()
            self._amounts[line_cells[:2]] = amounts
        self._last = (head_cells, number, head, cancellation)
