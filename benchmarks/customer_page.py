"""Benchmark: the customer 360 page and customer search on a large demo shop.

Builds (once) a demo database of ``--customers`` customers with about ``--orders-per-customer``
orders each under ``benchmarks/.work/customer_page/`` and measures the server time of
``--requests`` requests per kind with Django's test client, logged in as a service agent:

    .venv/bin/python benchmarks/customer_page.py                      # 1,000,000 / 5,000,000
    .venv/bin/python benchmarks/customer_page.py --customers 20000 --requests 50
    .venv/bin/python benchmarks/customer_page.py --customers 20000 --seed 1234   # repeat a run

Each run draws its customers, orders and search terms with a fresh random seed (printed; ``--seed``
repeats a run; the demo shop itself is always generated with seed 1 so it can be reused). Searches
are by e-mail, by order number, by the first letters of a last name, and one in ten for a term that
matches nothing (a typo'd address, an unknown order number). Five warm-up calls of each kind run
before the timing and are not counted.

What it leaves out: the network, the browser and the reverse proxy (Django's test client calls the
view in-process, one request at a time, on SQLite), and the static files.

Targets: p95 < 100 ms for the 360 page, p95 < 50 ms for search. The last output line is one
JSON object with the figures. When the UI views are missing, the query functions behind them
are timed instead (``"mode": "queries"``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "customer_page"
DEMO_SEED = 1
WARM_UP = 5


def is_miss(term: str) -> bool:
    """A search term drawn to match nothing (see the draw in ``main``)."""
    return term.endswith("@nirgends.example") or (term.startswith("X") and term[1:].isdigit())


def configure(customers: int, orders_per_customer: float) -> Path:
    """Point the settings at the benchmark's own data directory and SQLite file."""
    WORK.mkdir(parents=True, exist_ok=True)
    database = WORK / f"stammkunde-{customers}-{orders_per_customer:g}.sqlite3"
    os.environ["STAMMKUNDE_DATA_DIR"] = str(WORK)
    os.environ["STAMMKUNDE_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["STAMMKUNDE_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
    sys.path.insert(0, str(ROOT / "src"))
    return database


def ensure_database(database: Path, customers: int, orders_per_customer: float, seed: int):
    """Migrate, and generate the demo shop unless a database of the right size exists."""
    from django.core.management import call_command
    from django.db import connection
    from rich.progress import Progress

    from stammkunde.customers.models import Customer
    from stammkunde.demo.writer import demo_shop_exists, generate_demo

    call_command("migrate", verbosity=0, interactive=False)
    if demo_shop_exists():
        existing = Customer.objects.count()
        if existing == customers:
            print(f"Reusing {database.name} ({existing:,} customers).")
            return
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0, interactive=False)
    started = time.process_time()
    with Progress() as progress, bulk_build():
        task = progress.add_task("Generating demo shop", total=customers)
        result = generate_demo(
            customers=customers,
            seed=seed,
            orders_per_customer=orders_per_customer,
            progress=lambda n: progress.advance(task, n),
        )
    print(
        f"Generated {result.orders:,} orders in {result.seconds:.0f} s "
        f"({time.process_time() - started:.0f} CPU s with the indexes built)."
    )


@contextlib.contextmanager
def bulk_build() -> Iterator[None]:
    """Build the benchmark's database as a bulk load: its plain (non-unique) indexes dropped
    during the generation and created once at the end, a large page cache, no fsync.

    The generator writes through the apps' bulk functions (executemany of ready rows), but every
    row still updated a dozen indexes (nine on customers alone) in random order; once those
    outgrew the page cache each insert reread index pages, and the default size's build was
    still running after 16 minutes. Creating an index over the finished table sorts it once.
    Unique indexes stay: they guard the data and the generator's conflict targets. The file is
    the benchmark's own, rebuilt when it is lost, so a crash mid-build costs nothing but time.
    """
    from django.db import connection

    from stammkunde.core.bulk import heap_frozen, sqlite_bulk_write_settings

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'"
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        with sqlite_bulk_write_settings(), heap_frozen():
            yield
    finally:
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
            cursor.execute("PRAGMA synchronous = NORMAL")
            # The generator's ANALYZE ran without these indexes: statistics for the planner.
            cursor.execute("PRAGMA analysis_limit = 1000")
            cursor.execute("ANALYZE")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (milliseconds)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(
    label: str, calls: list[Callable[[], object]], warm_up: list[Callable[[], object]]
) -> dict[str, float]:
    """Run the warm-up calls untimed, then each call once; summarize the times in milliseconds."""
    for call in warm_up:
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    figures = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
    }
    print(f"{label:<12} n={len(times)} {figures}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--seed", type=int, default=None, help="repeat a run (default: a fresh random seed)"
    )
    parser.add_argument(
        "--mode",
        choices=["auto", "views", "queries"],
        default="auto",
        help="Time the real URLs (views), the query functions, or views when they exist.",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    print(f"seed {seed} (repeat with --seed {seed})")
    database = configure(args.customers, args.orders_per_customer)

    import django

    django.setup()
    import numpy as np
    from django.contrib.auth.models import User
    from django.db.models import Max, Min
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from stammkunde.customers.models import Address, Customer
    from stammkunde.demo.staff import demo_password, ensure_demo_staff
    from stammkunde.shop.models import Order, ShopAccount

    # The demo shop always comes from seed 1 (it is cached); the run's own draws use ``seed``.
    ensure_database(database, args.customers, args.orders_per_customer, DEMO_SEED)
    ensure_demo_staff(demo_password())
    rng = np.random.default_rng(seed)
    drawn = args.requests + WARM_UP
    bounds = Customer.objects.aggregate(low=Min("pk"), high=Max("pk"))
    customer_ids = rng.integers(bounds["low"], bounds["high"] + 1, drawn).tolist()
    order_bounds = Order.objects.aggregate(low=Min("pk"), high=Max("pk"))
    order_ids = rng.integers(order_bounds["low"], order_bounds["high"] + 1, drawn)
    sample = Customer.objects.in_bulk(
        rng.integers(bounds["low"], bounds["high"] + 1, drawn).tolist()
    )
    people = list(sample.values())
    numbers = dict(Order.objects.filter(pk__in=order_ids.tolist()).values_list("pk", "number"))
    person_ids = [person.pk for person in people]
    postal_codes = dict(
        Address.objects.filter(customer_id__in=person_ids).values_list("customer_id", "postal_code")
    )
    account_numbers = dict(
        ShopAccount.objects.filter(customer_id__in=person_ids).values_list(
            "customer_id", "external_id"
        )
    )
    # What agents type on the phone (issue 15): an address, a whole number or its end as the
    # customer quotes it, the start of a name or e-mail, a postal code, the shop's number.
    terms: list[str] = []
    for index in range(drawn):
        person = people[index % len(people)]
        number = numbers[int(order_ids[index])]
        kind = index % 10
        if kind == 9:
            # Searches that match nothing: an address nobody has, an order number never used.
            terms.append(
                f"niemand{int(rng.integers(10**6))}@nirgends.example"
                if index % 20 == 9
                else f"X{int(rng.integers(10**8, 10**9))}"
            )
        elif kind % 7 == 0:
            terms.append(person.email or person.last_name)
        elif kind % 7 == 1:
            terms.append(number)
        elif kind % 7 == 2:
            terms.append(number[-5:])
        elif kind % 7 == 3:
            terms.append((person.email or person.last_name)[:7])
        elif kind % 7 == 4:
            terms.append(postal_codes.get(person.pk) or person.last_name[:4])
        elif kind % 7 == 5:
            terms.append(account_numbers.get(person.pk) or number)
        else:
            terms.append(person.last_name[:4])

    client = Client()
    client.force_login(User.objects.get(username="anna"))
    mode = args.mode
    if mode == "auto":
        try:
            reverse("ui:customer-detail", args=[1])
            reverse("ui:customer-list")
            mode = "views"
        except NoReverseMatch:
            mode = "queries"

    if mode == "views":

        def page(pk: int) -> Callable[[], object]:
            url = reverse("ui:customer-detail", args=[pk])

            def call() -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return call

        def search(term: str) -> Callable[[], object]:
            url = reverse("ui:customer-list")

            def call() -> None:
                response = client.get(url, {"q": term})
                assert response.status_code == 200, (url, response.status_code)

            return call
    else:
        page, search = _query_calls()

    pages = [page(pk) for pk in customer_ids]
    searches = [search(term) for term in terms]
    # The warm-up calls are extra draws: the timed calls are ``--requests`` fresh ones.
    page_figures = measure("360 page", pages[WARM_UP:], pages[:WARM_UP])
    search_figures = measure("search", searches[WARM_UP:], searches[:WARM_UP])
    result = {
        "seed": seed,
        "mode": mode,
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "requests": args.requests,
        "searches_matching_nothing": sum(1 for term in terms[WARM_UP:] if is_miss(term)),
        "page_median_ms": page_figures["median_ms"],
        "page_p95_ms": page_figures["p95_ms"],
        "page_max_ms": page_figures["max_ms"],
        "search_median_ms": search_figures["median_ms"],
        "search_p95_ms": search_figures["p95_ms"],
        "search_max_ms": search_figures["max_ms"],
    }
    print(json.dumps(result))


def _query_calls():
    """The query functions behind the views, for when the views do not exist yet."""
    from stammkunde.customers.models import Customer
    from stammkunde.customers.queries import current_consents
    from stammkunde.shop.queries import (
        find_customers,
        key_figures,
        order_summaries,
        orders_for_customer,
    )
    from stammkunde.timeline.queries import timeline_for_customer

    def page(pk: int) -> Callable[[], object]:
        def call() -> None:
            Customer.objects.prefetch_related("tags", "addresses").get(pk=pk)
            key_figures(pk)
            orders_for_customer(pk)
            current_consents(pk)
            timeline = timeline_for_customer(pk, shop_ids=None)
            timeline.count()
            list(timeline[:50])

        return call

    def search(term: str) -> Callable[[], object]:
        def call() -> None:
            found = find_customers(term)
            order_summaries([customer.pk for customer in found])

        return call

    return page, search


if __name__ == "__main__":
    main()
