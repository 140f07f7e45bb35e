"""Importing order lines from CSV: one row per order line, rows of an order anywhere in the file.

The hot path is set-based: ``order_rows.OrderRowReader`` reads and checks the rows into batches,
and ``order_batches.OrderBatchWriter`` hands each batch to ``shop``'s bulk writer
(``shop.services.order_import``), which writes it with a handful of statements in one
transaction. For large files the reading runs in a forked child while this process writes
(``forked``). The natural keys make a second run a no-op: Order (shop, external_id), OrderLine
(order, line_number) where the line number is the row's position within its order in the file,
ShopAccount (shop, external_id), and customers are matched as on every path
(``customers.matching``: shop id, normalized e-mail, merges followed). Totals of orders created
in a batch are summed in Python from the batch's lines; only orders that existed before are
recounted from their stored lines in SQL (both by ``shop.totals``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from stammkunde.connectors.csv_import import forked
from stammkunde.connectors.csv_import.mappings import Mapping
from stammkunde.connectors.csv_import.order_batches import OrderBatchWriter
from stammkunde.connectors.csv_import.order_rows import Batch, OrderRowReader
from stammkunde.connectors.csv_import.reading import CsvSource
from stammkunde.connectors.csv_import.report import ErrorFile, ImportSummary, Rejection
from stammkunde.core.bulk import (
    collected_between_batches,
    heap_frozen,
    sqlite_bulk_write_settings,
)
from stammkunde.shop.models import Shop

# Lines per transaction: fewer, larger commits write the randomly placed index pages (customer
# and time of orders and timeline entries) fewer times; a batch is a few MB in memory.
BATCH_SIZE = 50_000
# From this file size on (compressed size for .gz) rows are read in a child process while this
# one writes: about 50,000 lines, where the fork's few milliseconds no longer count.
PARALLEL_MIN_BYTES = 4 << 20


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
        self.mapping = mapping
        self.batch_size = batch_size
        now = now or timezone.now()
        self.errors = errors
        self.summary = ImportSummary(kind="orders")
        self.writer = OrderBatchWriter(shop=shop, summary=self.summary, now=now)
        self.reader = OrderRowReader(
            summary=self.summary,
            errors=errors,
            time_zone=ZoneInfo(mapping.time_zone or shop.time_zone),
            currency=mapping.currency or shop.currency,
            cancellation_prefix=mapping.cancellation_prefix,
            now=now,
            decimal_separator=mapping.decimal_separator,
            adapt_datetime=self.writer.adapt_datetime,
            adapt_utc_datetime=self.writer.adapt_utc_datetime,
            money_to_db=self.writer.money_to_db,
        )

    def run(
        self,
        source: CsvSource,
        progress: Callable[[int], None] | None = None,
        *,
        parallel: bool | None = None,
    ) -> ImportSummary:
        """Import every row of ``source``; rejected rows go to the error file.

        With ``parallel`` (default: for files of PARALLEL_MIN_BYTES and more, where a forked
        process is available) the rows are read and checked in a child process while this one
        writes the batches before, so reading and writing overlap on two cores.
        """
        columns = self.mapping.resolve(source.header)
        if parallel is None:
            parallel = forked.available() and source.size >= PARALLEL_MIN_BYTES

        def read() -> Iterable[Batch]:
            return self.reader.batches(source, columns, self.batch_size)

        with sqlite_bulk_write_settings(), heap_frozen():
            if parallel:
                producer = forked.Producer(read, self.reader.finish)
                with contextlib.closing(producer):
                    self._write_all(producer, progress)
                # What the child counted: rows, rejections and orders of the file.
                self.summary.rows, self.summary.rejected, self.summary.rejections, orders = (
                    producer.result
                )
            else:
                self._write_all(read(), progress)
                orders = len(self.reader.positions)
        self.summary.orders = orders
        if self.writer.refused:
            self.errors.reopen(written=self.summary.rejected > 0)
            # Named as the file names the column, like the reading's rejections.
            column = source.header[columns["unit_price"]] if "unit_price" in columns else ""
            for refused in self.writer.refused:
                self.summary.reject(Rejection(refused.line, column, refused.reason), self.errors)
        return self.summary

    def _write_all(self, batches: Iterable[Batch], progress: Callable[[int], None] | None) -> None:
        write = self.writer.write
        # Taking a batch (unpickling it, for a forked reader) and writing it allocate its rows
        # by the ten thousand: collected once per batch, not every 700 objects.
        with collected_between_batches() as collect:
            for heads, lines, position in batches:
                if lines:
                    write(heads, lines)
                # The collection need not traverse the batch just written.
                del heads, lines
                collect()
                if progress:
                    progress(position)
