"""Generate the scoring benchmark's database fast: numpy, then executemany or COPY, no ORM objects.

Customers buy as BG/NBD says (purchase rates ~ Gamma, dropout after each repeat purchase
~ Beta), with first orders spread over three years, so the models have something real to fit.
Only the columns the scoring job needs carry values; every other column gets its default
(through ``core.bulk.insert_ignore`` on SQLite; on PostgreSQL the same defaults go through
``COPY ... FROM STDIN``, since an executemany there manages only a few thousand rows a second).
Rows are written in chunks of constant memory; the secondary indexes of the orders table are
dropped for the load and built once at the end.

Run it as its own process (``benchmarks/analytics.py`` does), so its memory never counts towards
the scoring job's peak.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

HISTORY_DAYS = 3 * 365
CHUNK = 250_000


def simulate(customers: int, orders: int, seed: int = 7):
    """(customer index, Unix seconds, total) per order, about ``orders`` of them in all."""
    rng = np.random.default_rng(seed)
    now = int(datetime.now(UTC).timestamp())
    r, a, b = 0.9, 1.0, 7.0
    first_day = rng.integers(0, HISTORY_DAYS, customers)
    age = (HISTORY_DAYS - first_day).astype(float)
    dropout = rng.beta(a, b, customers)
    lifetime_purchases = rng.geometric(dropout)
    # Simulate a little more than asked, then keep a random subset of the repeat purchases so
    # the total is exactly ``orders``.
    alpha = 40.0
    while True:
        rate = rng.gamma(r, 1.0 / alpha, customers)
        possible = rng.poisson(rate * age)
        repeat = np.minimum(possible, lifetime_purchases)
        if customers + int(repeat.sum()) >= orders:
            break
        alpha /= 1.5
    last = np.zeros(customers)
    buyers = repeat > 0
    last[buyers] = age[buyers] * rng.beta(repeat[buyers], possible[buyers] - repeat[buyers] + 1)

    owner = np.repeat(np.arange(customers), repeat)
    offsets = rng.random(owner.size) * last[owner]
    # The latest repeat purchase sits exactly at t_x.
    ends = np.cumsum(repeat) - 1
    offsets[ends[buyers]] = last[buyers]
    keep = np.sort(rng.choice(owner.size, size=max(orders - customers, 0), replace=False))
    owner, offsets = owner[keep], offsets[keep]
    customer = np.concatenate([np.arange(customers), owner])
    days = np.concatenate([np.zeros(customers), offsets]) + first_day[customer]
    start = now - HISTORY_DAYS * 86_400
    seconds = start + (np.floor(days) * 86_400 + rng.integers(28_800, 79_200, customer.size))
    seconds = np.minimum(seconds.astype(np.int64), now - 60)
    totals = np.round(rng.gamma(2.0, 25.0, customer.size) + 5.0, 2)
    order = np.argsort(seconds, kind="stable")
    return customer[order], seconds[order], totals[order]


def _drop_order_indexes() -> list[str]:
    """Drop the secondary indexes of the orders table for the load, return their SQL.

    Building an index once over sorted data is much faster than updating it row by row.
    Indexes behind constraints (primary key, unique) stay: they guard the data.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'shop_order' AND sql IS NOT NULL"
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'shop_order' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
    return [sql for _name, sql in found]


def _copy_rows(model, columns: list[str], rows) -> None:
    """PostgreSQL: load ``rows`` (values for ``columns``) with COPY; other columns get defaults."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    fixed_columns, fixed_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        fixed_columns.append(field.column)
        fixed_values.append(
            field.get_db_prep_save(now if auto else field.get_default(), connection)
        )
    fixed = tuple(fixed_values)
    names = ", ".join(f'"{name}"' for name in (*columns, *fixed_columns))
    sql = f'COPY "{model._meta.db_table}" ({names}) FROM STDIN'
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *fixed))


def write(customers: int, orders: int, seed: int = 7, progress=print) -> dict:
    """Fill the configured (migrated, empty) database; returns counts and seconds."""
    from django.db import connection, transaction

    from stammkunde.core.bulk import insert_ignore, sqlite_bulk_write_settings
    from stammkunde.customers.models import Customer
    from stammkunde.shop.models import Order, Platform, Shop

    started = time.perf_counter()
    customer, seconds, totals = simulate(customers, orders, seed)
    shop = Shop.objects.create(name="Benchmark", slug="benchmark", platform=Platform.CSV)
    indexes = _drop_order_indexes()
    with sqlite_bulk_write_settings():
        for low in range(0, customers, CHUNK):
            ids = range(low + 1, min(low + CHUNK, customers) + 1)
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    _copy_rows(Customer, ["id"], ((pk,) for pk in ids))
                else:
                    insert_ignore(Customer, ["id"], [(pk,) for pk in ids], conflict=["id"])
        progress(f"customers: {customers:,}")
        columns = ["id", "shop_id", "external_id", "number", "customer_id", "placed_at", "total"]
        for low in range(0, customer.size, CHUNK):
            high = min(low + CHUNK, customer.size)
            stamps = seconds[low:high].astype("datetime64[s]").astype(str)
            if connection.vendor == "sqlite":
                placed = np.char.replace(stamps, "T", " ").tolist()
            else:
                placed = [datetime.fromisoformat(f"{text}+00:00") for text in stamps.tolist()]
            ids = list(range(low + 1, high + 1))
            # Zero-padded ids arrive in key order, so the unique index only ever appends.
            names = [f"{pk:010d}" for pk in ids]
            rows = zip(
                ids,
                [shop.pk] * (high - low),
                names,
                names,
                (customer[low:high] + 1).tolist(),
                placed,
                totals[low:high].tolist(),
                strict=True,
            )
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    _copy_rows(Order, columns, rows)
                else:
                    insert_ignore(Order, columns, list(rows), conflict=["id"])
            progress(f"orders: {high:,} / {customer.size:,}")
    with connection.cursor() as cursor:
        for sql in indexes:
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Customer, Order):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("ANALYZE")
    return {
        "customers": customers,
        "orders": int(customer.size),
        "seconds": round(time.perf_counter() - started, 1),
    }
