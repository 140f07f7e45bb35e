"""Write the demo shop into the database, in chunks of customers with constant memory.

The rows are computed here (``history``, ``people``, ``contacts``) and written by the apps that
own them: ``customers.bulk``, ``shop.services.generated`` and ``timeline.services``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from stammkunde.core.events import publish
from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.bulk import insert_generated_rows as customer_rows
from stammkunde.customers.bulk import tag_ids
from stammkunde.customers.models import Customer
from stammkunde.demo.catalog import build_catalog
from stammkunde.demo.contacts import order_activities, staff_contacts
from stammkunde.demo.history import Catalog, Ids, build_history
from stammkunde.demo.people import Pools, build_pools, make_people
from stammkunde.demo.population import DEFAULT_ORDERS_PER_CUSTOMER, rate_scale, simulate
from stammkunde.demo.rows import next_id, reset_sequences, timestamps
from stammkunde.shop.events import OrdersImported
from stammkunde.shop.models import Order, OrderLine, Platform, Return, Shop
from stammkunde.shop.services import create_shop
from stammkunde.shop.services.generated import MODELS_WITH_GIVEN_IDS, create_products
from stammkunde.shop.services.generated import insert_generated_rows as shop_rows
from stammkunde.timeline.services import record_generated_activities

DEMO_SLUG = "demo"
DEMO_SHOP_NAME = "Kaffeerösterei Morgenrot (Demo)"
DEMO_TAGS = ["VIP", "Großhändler", "Newsletter", "Reklamation", "Stammkunde", "Presse"]
STAFF_USERNAMES = ["anna", "max", "lena", "mark"]
CHUNK_SIZE = 5000


@dataclass
class _Run:
    """Everything the chunks of one generator run share."""

    rng: np.random.Generator
    shop_id: int
    catalog: Catalog
    tags: dict[str, int]
    staff: list[tuple[int, str]]
    pools: Pools
    ids: Ids
    scale: float
    now: int
    orders: int = 0
    activities: int = 0


@dataclass(frozen=True)
class DemoResult:
    customers: int
    orders: int
    activities: int
    seconds: float


def demo_shop_exists() -> bool:
    """Whether the demo shop has been generated in this database already."""
    return Shop.objects.filter(slug=DEMO_SLUG, platform=Platform.DEMO).exists()


def _setup_shop() -> tuple[Shop, Catalog, dict[str, int]]:
    shop = create_shop(
        name=DEMO_SHOP_NAME,
        slug=DEMO_SLUG,
        platform=Platform.DEMO,
        currency="EUR",
        time_zone="Europe/Berlin",
    )
    items = build_catalog()
    product_ids = create_products(shop, ((i.sku, i.name, i.category, i.price) for i in items))
    weights = np.array([i.popularity for i in items])
    catalog = Catalog(
        ids=np.array(product_ids, dtype=np.int64),
        skus=[i.sku for i in items],
        names=[i.name for i in items],
        prices=np.array([i.price for i in items]),
        weights=weights / weights.sum(),
    )
    return shop, catalog, tag_ids(DEMO_TAGS)


def _staff() -> list[tuple[int, str]]:
    users = User.objects.filter(username__in=STAFF_USERNAMES).order_by("username")
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def generate_demo(
    *,
    customers: int = 5000,
    seed: int = 1,
    orders_per_customer: float = DEFAULT_ORDERS_PER_CUSTOMER,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Create the demo shop with ``customers`` customers and their whole history.

    Reproducible for a given seed on an empty database. Calls ``progress(n)`` after each chunk
    of ``n`` customers.
    """
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    now = int(timezone.now().timestamp())
    with transaction.atomic(), event_origin(Origin.DEMO):
        shop, catalog, tags = _setup_shop()
    run = _Run(
        rng=rng,
        shop_id=shop.pk,
        catalog=catalog,
        tags=tags,
        staff=_staff(),
        pools=build_pools(seed),
        ids=Ids(order=next_id(Order), line=next_id(OrderLine), return_=next_id(Return)),
        scale=rate_scale(orders_per_customer, now=now, seed=seed),
        now=now,
    )
    customer_id = next_id(Customer)
    with event_origin(Origin.DEMO):
        _write_chunks(run, customer_id, customers, chunk_size, progress)
    reset_sequences([Customer, *MODELS_WITH_GIVEN_IDS])
    if connection.vendor == "sqlite":
        # Fresh statistics let the planner pick the search indexes; the sample limit keeps
        # ANALYZE at seconds instead of a full scan of every index of a multi-gigabyte file.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    return DemoResult(customers, run.orders, run.activities, time.monotonic() - started)


def _write_chunks(
    run: _Run,
    customer_id: int,
    customers: int,
    chunk_size: int,
    progress: Callable[[int], None] | None,
) -> None:
    done = 0
    while done < customers:
        size = min(chunk_size, customers - done)
        chunk_ids = np.arange(customer_id, customer_id + size, dtype=np.int64)
        customer_id += size
        with transaction.atomic():
            _write_chunk(run, chunk_ids)
        done += size
        if progress:
            progress(size)


def _write_chunk(run: _Run, chunk_ids: np.ndarray) -> None:
    rng, shop_id, now = run.rng, run.shop_id, run.now
    size = len(chunk_ids)
    people = make_people(rng, chunk_ids, run.pools)
    population = simulate(rng, size, now=now, scale=run.scale)
    addresses = [
        json.dumps({"name": f"{f} {la}", "company": c, "street": s, "postal_code": p,
                    "city": ci, "country": "DE"}, ensure_ascii=False)
        for f, la, c, s, p, ci in zip(people.first_name, people.last_name, people.company,
                                      people.street, people.postal_code, people.city, strict=True)
    ]  # fmt: skip
    history = build_history(rng, population, customer_ids=chunk_ids, emails=people.email,
                            addresses=addresses, catalog=run.catalog, ids=run.ids, shop_id=shop_id,
                            now=now)  # fmt: skip
    # The customer record appears with the first order; the acquisition time is its creation.
    first = np.concatenate(([0], np.cumsum(population.order_count)[:-1]))
    created = history.placed[first]
    created_text = timestamps(created)
    customer_rows("customer", [
        (people.ids[i], people.email[i], people.first_name[i], people.last_name[i],
         people.salutation[i], people.title[i],
         "informal" if people.informal[i] else "formal", "de", people.phone[i],
         people.birthday[i], people.company[i], people.vat_id[i], "{}", "active",
         created_text[i], created_text[i], people.last_key[i], people.first_key[i],
         people.phone_key[i])
        for i in range(size)
    ])  # fmt: skip
    customer_rows("address", [
        (people.ids[i], "billing", people.company[i],
         f"{people.first_name[i]} {people.last_name[i]}", people.street[i], "",
         people.postal_code[i], people.city[i], "DE", True)
        for i in range(size)
    ])  # fmt: skip
    shop_rows(
        "account",
        [(shop_id, f"K{people.ids[i]}", people.ids[i], created_text[i]) for i in range(size)],
    )
    _write_tags_and_consents(run, people, population, history, created)
    shop_rows("order", history.orders)
    _publish_orders(run, history)
    shop_rows("line", history.lines)
    shop_rows("shipment", history.shipments)
    shop_rows("return", history.returns)
    shop_rows("return_line", history.return_lines)
    shop_rows("refund", history.refunds)
    shop_rows("withdrawal", history.withdrawals)
    activities = order_activities(history, shop_label="Demo-Shop")
    activities += staff_contacts(rng, customer_ids=chunk_ids, acquired_at=created,
                                 staff=run.staff, now=now)  # fmt: skip
    record_generated_activities(activities)
    run.orders += len(history.orders)
    run.activities += len(activities)


def _publish_orders(run: _Run, history: Any) -> None:
    """One ``OrdersImported`` event for the chunk's orders (origin demo: history, no mail)."""
    if history.order_ids is None or not len(history.order_ids):
        return
    publish(
        OrdersImported(
            shop_id=run.shop_id,
            order_ids=tuple(int(order_id) for order_id in history.order_ids),
            occurred_at=datetime.fromtimestamp(run.now, tz=UTC),
        )
    )


def _write_tags_and_consents(run: _Run, people, population, history, created) -> None:
    rng, tags = run.rng, run.tags
    size = len(people.ids)
    newsletter = rng.random(size) < 0.4
    withdrawn = newsletter & (rng.random(size) < 0.12)
    returned_by = np.zeros(size, dtype=bool)
    owner_index = np.searchsorted(np.asarray(people.ids), history.order_customer)
    returned_by[owner_index[history.returned]] = True
    lucky = rng.random(size)
    rows = []
    for i in range(size):
        cid = people.ids[i]
        if population.order_count[i] >= 8:
            rows.append((cid, tags["VIP"]))
        if population.order_count[i] >= 4:
            rows.append((cid, tags["Stammkunde"]))
        if people.company[i] and lucky[i] < 0.5:
            rows.append((cid, tags["Großhändler"]))
        if newsletter[i] and not withdrawn[i]:
            rows.append((cid, tags["Newsletter"]))
        if returned_by[i]:
            rows.append((cid, tags["Reklamation"]))
        if lucky[i] > 0.998:
            rows.append((cid, tags["Presse"]))
    customer_rows("tag", rows)
    index = np.flatnonzero(newsletter)
    given = timestamps(created[index] + 120)
    later = created[index] + (rng.random(len(index)) * 300 * 86400).astype(np.int64)
    later = np.minimum(later, run.now - 60)
    later_text = timestamps(later)
    events = []
    for k, i in enumerate(index.tolist()):
        cid = people.ids[i]
        events.append((cid, "email", "newsletter", True, "shop", "Checkbox im Checkout",
                       given[k], given[k]))  # fmt: skip
        if withdrawn[i]:
            events.append((cid, "email", "newsletter", False, "customer", "Abmeldelink",
                           later_text[k], later_text[k]))  # fmt: skip
    customer_rows("consent", events)
