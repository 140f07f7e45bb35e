"""Writing the batches of one orders file: the hand-over from the reading to ``shop``.

The reader (``order_rows``) collects each batch as plain values (``OrderHead`` per order, the
lines column by column); ``shop.services.order_import.ImportedOrderWriter`` writes it with a
handful of set-based statements in one transaction, and this module counts what it wrote into
the import's summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.csv_import.report import ImportSummary, Rejection
from stammkunde.core.plausible import MAX_AMOUNT
from stammkunde.shop.models import ZERO, Shop
from stammkunde.shop.services.order_import import (
    ImportedOrderWriter,
    LineColumns,
    OrderRow,
)
from stammkunde.shop.totals import order_total

# An accepted line as the reader collects it: the writer's line (``order_import.Line``) and its
# line in the file, which the writer's rejections name.
Line = tuple[str, int, str, str, int, Any, Any, int]

__all__ = ["Line", "LineColumns", "OrderBatchWriter", "OrderHead", "OrderRow"]


@dataclass(slots=True)
class OrderHead:
    """The header fields of an order, from its first accepted row in the batch."""

    customer_id: str
    email: str
    first_name: str
    last_name: str
    status: str
    placed_at_db: Any
    currency: str
    shipping: Decimal | None
    # Sum of the line totals of this order accepted in the batch.
    subtotal: Decimal = ZERO

    def row(self, money_to_db: Callable[[Decimal], Any]) -> OrderRow:
        """What the writer needs of the head (see OrderRow)."""
        shipping = ZERO if self.shipping is None else self.shipping
        return (
            self.customer_id,
            self.email,
            self.first_name,
            self.last_name,
            self.status,
            self.placed_at_db,
            self.currency,
            money_to_db(shipping),
            money_to_db(self.subtotal),
            # A new order from a file has no discount.
            money_to_db(order_total(self.subtotal, shipping, ZERO)),
        )


class OrderBatchWriter:
    """Writes the batches of one import into one shop, counting into its summary."""

    def __init__(self, *, shop: Shop, summary: ImportSummary, now: datetime) -> None:
        self.summary = summary
        self._writer = ImportedOrderWriter(shop=shop, now=now)
        self.adapt_datetime = self._writer.adapt_datetime
        self.adapt_utc_datetime = self._writer.adapt_utc_datetime
        self.money_to_db = self._writer.money_to_db
        # Lines the writer left out: they would push the total of an order stored before (by
        # an earlier file or run) to the bound. The reading owns the error file while it runs;
        # these are added to it at the end (``OrderImporter.run``).
        self.refused: list[Rejection] = []

    def write(self, heads: dict[str, OrderRow], lines: LineColumns) -> None:
        """Write one batch: customers, orders, lines, totals and timeline, in one transaction.

        ``lines`` are the columns of ``Line``: the writer's and, last, the line in the file."""
        *columns, file_lines = lines
        counts = self._writer.write(heads, tuple(columns))
        summary = self.summary
        summary.customers_created += counts.customers_created
        summary.orders_created += counts.orders_created
        summary.lines_created += counts.lines_created
        summary.accepted += len(file_lines) - len(counts.refused)
        for index in counts.refused:
            self.refused.append(
                Rejection(
                    file_lines[index],
                    "unit_price",
                    _(
                        "With this line the total of order %(number)s would reach %(max)s, "
                        "more than an order can hold."
                    )
                    % {"number": columns[0][index], "max": MAX_AMOUNT},
                )
            )
