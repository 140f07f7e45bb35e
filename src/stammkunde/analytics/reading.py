"""Orders into numpy arrays: one streamed pass over the orders table, no ORM objects.

The scoring job needs five numbers per order. Fetching them as tuples in large batches from one
query (a server-side cursor on PostgreSQL, so millions of rows never sit in the client's memory
twice) and turning each batch into typed arrays is many times faster than model instances, and
the arithmetic happens in the database where it is cheap: the time as Unix seconds, the net
value as a float, the currency as a small code, cancelled/test/returned as flags. Every extra
full scan costs seconds on ten million orders, so there is exactly one.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from stammkunde.shop.models import Order, OrderLine, OrderStatus

BATCH_ROWS = 200_000
SECONDS_PER_DAY = 86_400
_CURRENCY_CODE = re.compile(r"^[A-Za-z]{3}$")


@dataclass(frozen=True)
class OrderArrays:
    """Counted orders (neither cancelled nor test orders), one entry per order.

    Guest orders (no customer) carry minus their order id as ``customer``: they count in the
    shop's KPIs as one-off buyers and are left out of everything per customer.

    Sorted by customer, then time. ``day`` is the local calendar day (days since 1970-01-01 in
    the installation's time zone), ``value`` the order total less refunds in the order's own
    currency, ``currency`` an index into ``currencies`` (-1: a malformed currency code),
    ``returned`` whether the order was returned or (partly) refunded, ``shop`` the shop's id.
    ``uncounted_customers`` are the customers that have cancelled or test orders. ``order_id``
    is the order's own id, so order lines (product affinities) find their order's customer and
    time here instead of joining the orders table again.
    """

    customer: np.ndarray  # int64
    seconds: np.ndarray  # int64, Unix time (UTC)
    day: np.ndarray  # int32
    value: np.ndarray  # float64
    currency: np.ndarray  # int16
    returned: np.ndarray  # bool
    shop: np.ndarray  # int64
    currencies: list[str]
    currency_orders: dict[str, int]
    uncounted_customers: np.ndarray
    order_id: np.ndarray  # int64

    def __len__(self) -> int:
        return int(self.customer.size)


def estimated_order_count() -> int:
    """The highest order id: an instant upper bound of the row count, for progress bars."""
    return Order.objects.aggregate(top=Max("id"))["top"] or 0


def distinct_currencies(known: list[str]) -> list[str]:
    """Currency codes of orders that are not in ``known`` (a scan; only run when needed)."""
    return sorted(
        set(
            Order.objects.exclude(currency__in=list(known))
            .order_by()
            .values_list("currency", flat=True)
            .distinct()
        )
    )


def _order_sql(currencies: list[str]) -> str:
    table = connection.ops.quote_name(Order._meta.db_table)
    if connection.vendor == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM placed_at) AS BIGINT)"
        value = "CAST(total - refunded_total AS DOUBLE PRECISION)"
    else:
        # unixepoch() (SQLite 3.38+) parses about twice as fast as strftime('%s').
        seconds = (
            "unixepoch(placed_at)"
            if sqlite3.sqlite_version_info >= (3, 38)
            else "CAST(strftime('%s', placed_at) AS INTEGER)"
        )
        value = "CAST(total - refunded_total AS REAL)"
    # Codes are inlined as literals (checked to be three letters), because a named PostgreSQL
    # cursor cannot take bound parameters in every driver mode.
    cases = " ".join(
        f"WHEN '{code}' THEN {index}"
        for index, code in enumerate(currencies)
        if _CURRENCY_CODE.match(code)
    )
    currency = f"CASE currency {cases} ELSE -1 END" if cases else "-1"
    # flags: 1 = returned or refunded, 2 = not counted (cancelled or a test order), and the
    # shop's id times 4 above them: one column fewer to fetch and convert than a seventh one.
    flags = (
        "shop_id * 4 + "
        f"CASE WHEN status = '{OrderStatus.RETURNED.value}' OR refunded_total > 0"
        " THEN 1 ELSE 0 END"
        f" + CASE WHEN status = '{OrderStatus.CANCELLED.value}' OR is_test THEN 2 ELSE 0 END"
    )
    return (
        f"SELECT COALESCE(customer_id, -id), {seconds}, {value}, {currency}, {flags}, id"
        f" FROM {table}"
    )


COLUMNS = 6


def _fetch(sql: str, progress: Callable[[int], None] | None) -> np.ndarray:
    parts: list[np.ndarray] = []
    total = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(BATCH_ROWS)
            if not rows:
                break
            # One flat float64 pass per batch: ids, Unix seconds and cents all fit exactly.
            flat = np.fromiter(
                itertools.chain.from_iterable(rows), dtype=np.float64, count=len(rows) * COLUMNS
            )
            parts.append(flat.reshape(-1, COLUMNS))
            total += len(rows)
            if progress is not None:
                progress(total)
    data = np.concatenate(parts) if parts else np.empty((0, COLUMNS))
    return data[np.isfinite(data).all(axis=1)]


def read_orders(
    progress: Callable[[int], None] | None = None, *, known_currencies: Iterable[str] = ()
) -> OrderArrays:
    """Stream every order into arrays, in one pass over the orders table.

    ``known_currencies`` are the codes expected (shop currencies, the last run's); an order in
    another one triggers a scan for the codes and a second read, so a usual run reads once.
    ``progress`` is called with the number of rows read so far after each batch.
    """
    currencies = sorted({code.upper() for code in known_currencies if code})
    data = _fetch(_order_sql(currencies), progress)
    if np.any(data[:, 3] < 0):
        extra = [code for code in distinct_currencies(currencies) if _CURRENCY_CODE.match(code)]
        if extra:
            currencies = sorted(set(currencies) | {code.upper() for code in extra})
            data = _fetch(_order_sql(currencies), progress)
    flags = data[:, 4].astype(np.int64)
    uncounted = (flags & 2) > 0
    uncounted_ids = data[uncounted, 0].astype(np.int64)
    uncounted_customers = np.unique(uncounted_ids[uncounted_ids > 0])
    data, flags = data[~uncounted], flags[~uncounted]
    customer = data[:, 0].astype(np.int64)
    seconds = data[:, 1].astype(np.int64)
    order = _customer_time_order(customer, seconds)
    customer, seconds, data, flags = customer[order], seconds[order], data[order], flags[order]
    code = data[:, 3].astype(np.int16)
    counts = np.bincount(code[code >= 0], minlength=len(currencies))
    currency_orders = {
        currencies[index]: int(counts[index])
        for index in np.argsort(-counts, kind="stable")
        if counts[index]
    }
    return OrderArrays(
        customer=customer,
        seconds=seconds,
        day=local_days(seconds),
        value=data[:, 2].copy(),
        currency=code,
        returned=(flags & 1) > 0,
        shop=flags >> 2,
        currencies=currencies,
        currency_orders=currency_orders,
        uncounted_customers=uncounted_customers,
        order_id=data[:, 5].astype(np.int64),
    )


def _customer_time_order(customer: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Permutation sorting by customer, then time (one int64 key sorts faster than lexsort)."""
    if customer.size == 0:
        return np.empty(0, dtype=np.int64)
    low, high = int(seconds.min()), int(seconds.max())
    first = int(customer.min())
    if int(customer.max()) - first < 2**30 and high - low < 2**32:
        return np.argsort((customer - first) * 2**32 + (seconds - low), kind="stable")
    return np.lexsort((seconds, customer))


def local_days(seconds: np.ndarray, time_zone: str | None = None) -> np.ndarray:
    """Unix seconds -> local calendar day numbers (days since 1970-01-01).

    The UTC offset is looked up once per distinct UTC day (at noon), not per order, so daylight
    saving is honoured except for the hour around the switch itself.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    if seconds.size == 0:
        return np.empty(0, dtype=np.int32)
    zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    utc_days = seconds // SECONDS_PER_DAY
    first, last = int(utc_days.min()), int(utc_days.max())
    if last - first > 200_000:  # absurd dates: look up only the days that occur
        days, index = np.unique(utc_days, return_inverse=True)
    else:  # a table of every day in the range, indexed without sorting the orders
        days, index = np.arange(first, last + 1), utc_days - first
    offsets = np.array(
        [
            _utc_offset_seconds(zone, int(day) * SECONDS_PER_DAY + SECONDS_PER_DAY // 2)
            for day in days
        ],
        dtype=np.int64,
    )
    return ((seconds + offsets[index]) // SECONDS_PER_DAY).astype(np.int32)


def _utc_offset_seconds(zone: ZoneInfo, unix_seconds: int) -> int:
    try:
        moment = datetime.fromtimestamp(unix_seconds, tz=zone)
    except (OverflowError, OSError, ValueError):
        return 0
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset else 0


def main_categories(customer_ids: np.ndarray) -> dict[int, str]:
    """Each customer's most bought product category (by order lines of counted orders)."""
    rows = (
        OrderLine.objects.exclude(product__category="")
        .exclude(product=None)
        .exclude(order__status=OrderStatus.CANCELLED)
        .filter(order__is_test=False)
        .exclude(order__customer_id=None)
        .values_list("order__customer_id", "product__category")
        .annotate(lines=Count("id"))
        .order_by()
    )
    best: dict[int, tuple[int, str]] = {}
    wanted = set(np.asarray(customer_ids).tolist())
    for customer_id, category, lines in rows.iterator(chunk_size=10_000):
        if customer_id not in wanted:
            continue
        current = best.get(customer_id)
        if current is None or (lines, category) > current:
            best[customer_id] = (lines, category)
    return {customer_id: category for customer_id, (_, category) in best.items()}
