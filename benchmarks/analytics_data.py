"""Generate the scoring benchmark's database fast: numpy, then executemany or COPY, no ORM objects.

Customers buy as BG/NBD says (purchase rates ~ Gamma, dropout after each repeat purchase
~ Beta), with first orders spread over three years, so the models have something real to fit.

Every step of the nightly job runs on real data: a catalogue of ``PRODUCTS`` products in
``CATEGORIES`` categories, bought with a long tail (a Zipf-like popularity: a few best sellers,
thousands of rarely bought ones); about 1.3 order lines per order (1 + Poisson(0.3)), quantities
1-3, the order total the sum of its lines; orders in EUR (most), CHF, GBP, USD (exchange rates
set in the analytics settings) and a few in SEK without a rate; cancelled (3%), returned and
refunded in full (4%), partly refunded (2%) and test orders (0.5%).

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
PRODUCTS = 3_000
CATEGORIES = 24
EXTRA_LINES = 0.3  # order lines per order: 1 + Poisson(EXTRA_LINES)
# (code, share of orders, exchange rate to EUR or None for "no rate set")
CURRENCIES = [
    ("EUR", 0.845, 1.0),
    ("CHF", 0.08, 1.05),
    ("GBP", 0.045, 1.17),
    ("USD", 0.025, 0.92),
    ("SEK", 0.005, None),
]
CANCELLED, RETURNED, PART_REFUNDED, TEST = 0.03, 0.04, 0.02, 0.005


def catalogue(seed: int):
    """(price, category index, popularity) per product: a long-tailed catalogue."""
    rng = np.random.default_rng(seed + 11)
    price = np.round(np.exp(rng.normal(3.0, 0.8, PRODUCTS)), 2) + 0.99
    category = rng.integers(0, CATEGORIES, PRODUCTS)
    # Zipf-like: product k (by rank) is bought in proportion to 1 / (k + 5)^1.1.
    weight = 1.0 / (np.arange(PRODUCTS) + 5.0) ** 1.1
    popularity = weight[rng.permutation(PRODUCTS)]
    return price, category, popularity / popularity.sum()


def order_lines(rng, orders: int, price, popularity):
    """Lines of ``orders`` consecutive orders: (order index, line number, product index,
    quantity, line total), and each order's total (the sum of its lines)."""
    count = 1 + rng.poisson(EXTRA_LINES, orders)
    owner = np.repeat(np.arange(orders), count)
    start = np.cumsum(count) - count
    number = np.arange(owner.size) - start[owner] + 1
    product = rng.choice(PRODUCTS, size=owner.size, p=popularity)
    quantity = rng.choice([1, 1, 1, 1, 2, 2, 3], size=owner.size)
    line_total = np.round(price[product] * quantity, 2)
    totals = np.round(np.bincount(owner, weights=line_total, minlength=orders), 2)
    return owner, number, product, quantity, line_total, totals


def order_flags(rng, orders: int, totals):
    """(status, currency, refunded total, is test) per order."""
    draw = rng.random(orders)
    status = np.full(orders, "delivered", dtype=object)
    status[draw < CANCELLED] = "cancelled"
    returned = (draw >= CANCELLED) & (draw < CANCELLED + RETURNED)
    status[returned] = "returned"
    refunded = np.zeros(orders)
    refunded[returned] = totals[returned]
    partly = (draw >= CANCELLED + RETURNED) & (draw < CANCELLED + RETURNED + PART_REFUNDED)
    refunded[partly] = np.round(totals[partly] * 0.3, 2)
    is_test = rng.random(orders) < TEST
    codes = np.array([code for code, _share, _rate in CURRENCIES], dtype=object)
    shares = np.array([share for _code, share, _rate in CURRENCIES])
    currency = codes[rng.choice(len(CURRENCIES), size=orders, p=shares / shares.sum())]
    return status, currency, refunded, is_test


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


def _drop_order_indexes(tables=("shop_order", "shop_orderline")) -> list[str]:
    """Drop the secondary indexes of the orders and order lines tables for the load, return
    their SQL.

    Building an index once over sorted data is much faster than updating it row by row.
    Indexes behind constraints (primary key, unique) stay: they guard the data.
    """
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
            else:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [table],
                )
            found += cursor.fetchall()
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

    from stammkunde.analytics.models import AnalyticsSettings
    from stammkunde.core.bulk import insert_ignore, sqlite_bulk_write_settings
    from stammkunde.customers.models import Customer
    from stammkunde.shop.models import Order, OrderLine, Platform, Product, Shop

    def load(model, columns, rows) -> None:
        if connection.vendor == "postgresql":
            _copy_rows(model, columns, rows)
        else:
            insert_ignore(model, columns, list(rows), conflict=["id"])

    started = time.perf_counter()
    customer, seconds, _totals = simulate(customers, orders, seed)
    shop = Shop.objects.create(name="Benchmark", slug="benchmark", platform=Platform.CSV)
    settings_row = AnalyticsSettings.objects.filter(pk=1).first() or AnalyticsSettings(pk=1)
    settings_row.main_currency = "EUR"
    settings_row.exchange_rates = {
        code: str(rate) for code, _share, rate in CURRENCIES if rate and code != "EUR"
    }
    settings_row.save()
    price, category, popularity = catalogue(seed)
    with transaction.atomic():
        load(
            Product,
            ["id", "shop_id", "sku", "name", "category", "price"],
            (
                (n + 1, shop.pk, f"SKU-{n:05d}", f"Produkt {n}", f"Kategorie {c}", p)
                for n, (c, p) in enumerate(zip(category.tolist(), price.tolist(), strict=True))
            ),
        )
    lines_rng = np.random.default_rng(seed + 23)
    line_id = 0
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
        columns = [
            "id",
            "shop_id",
            "external_id",
            "number",
            "customer_id",
            "placed_at",
            "total",
            "subtotal",
            "status",
            "currency",
            "refunded_total",
            "is_test",
        ]
        line_columns = [
            "id",
            "order_id",
            "line_number",
            "external_id",  # a database default, which the bulk insert cannot copy
            "product_id",
            "sku",
            "name",
            "quantity",
            "unit_price",
            "total",
        ]
        for low in range(0, customer.size, CHUNK):
            high = min(low + CHUNK, customer.size)
            owner, number, product, quantity, line_total, totals = order_lines(
                lines_rng, high - low, price, popularity
            )
            status, currency, refunded, is_test = order_flags(lines_rng, high - low, totals)
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
                totals.tolist(),
                totals.tolist(),
                status.tolist(),
                currency.tolist(),
                refunded.tolist(),
                is_test.tolist(),
                strict=True,
            )
            lines = zip(
                range(line_id + 1, line_id + owner.size + 1),
                (owner + low + 1).tolist(),
                number.tolist(),
                [""] * owner.size,
                (product + 1).tolist(),
                [f"SKU-{n:05d}" for n in product.tolist()],
                [f"Produkt {n}" for n in product.tolist()],
                quantity.tolist(),
                price[product].tolist(),
                line_total.tolist(),
                strict=True,
            )
            line_id += owner.size
            with transaction.atomic():
                load(Order, columns, rows)
                load(OrderLine, line_columns, lines)
            progress(f"orders: {high:,} / {customer.size:,} ({line_id:,} lines)")
    with connection.cursor() as cursor:
        for sql in indexes:
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Customer, Order, OrderLine, Product):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("ANALYZE")
    return {
        "customers": customers,
        "orders": int(customer.size),
        "order_lines": line_id,
        "products": PRODUCTS,
        "seconds": round(time.perf_counter() - started, 1),
    }
