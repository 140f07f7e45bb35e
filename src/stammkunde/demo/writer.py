"""Write the demo shop into the database, in chunks of customers with constant memory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from stammkunde.customers.models import Address, ConsentEvent, Customer, Tag
from stammkunde.demo.catalog import build_catalog
from stammkunde.demo.contacts import ACTIVITY_COLUMNS, order_activities, staff_contacts
from stammkunde.demo.history import Catalog, Ids, build_history
from stammkunde.demo.people import Pools, build_pools, make_people
from stammkunde.demo.population import DEFAULT_ORDERS_PER_CUSTOMER, rate_scale, simulate
from stammkunde.demo.rows import Table, next_id, reset_sequences, timestamps
from stammkunde.shop.models import (
    Order,
    OrderLine,
    Platform,
    Product,
    Refund,
    Return,
    ReturnLine,
    Shipment,
    Shop,
    ShopAccount,
    Withdrawal,
)
from stammkunde.timeline.models import Activity

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
    tables: dict[str, Table]
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


def _tables() -> dict[str, Table]:
    tags_through = Customer.tags.through
    return {
        "customer": Table(Customer, [
            "id", "email", "first_name", "last_name", "salutation", "title", "form_of_address",
            "language", "phone", "birthday", "company", "vat_id", "preferences", "status",
            "created_at", "updated_at", "last_name_key", "first_name_key", "phone_key"]),
        "address": Table(Address, [
            "customer_id", "kind", "company", "name", "street", "street2", "postal_code",
            "city", "country", "is_default"]),
        "account": Table(ShopAccount, ["shop_id", "external_id", "customer_id", "created_at"]),
        "tag": Table(tags_through, ["customer_id", "tag_id"]),
        "consent": Table(ConsentEvent, [
            "customer_id", "channel", "purpose", "granted", "source", "source_detail",
            "given_at", "recorded_at"]),
        "order": Table(Order, [
            "id", "shop_id", "external_id", "number", "customer_id", "email", "status",
            "placed_at", "currency", "subtotal", "shipping_total", "discount_total",
            "tax_total", "total", "refunded_total", "is_test", "billing_address",
            "shipping_address", "source_updated_at", "created_at", "updated_at"]),
        "line": Table(OrderLine, [
            "id", "order_id", "line_number", "product_id", "sku", "name", "quantity",
            "unit_price", "total"]),
        "shipment": Table(Shipment, [
            "order_id", "external_id", "carrier", "tracking_number", "tracking_url",
            "shipped_at", "delivered_at"]),
        "return": Table(Return, [
            "id", "order_id", "reason", "status", "announced_at", "received_at", "note"]),
        "return_line": Table(ReturnLine, ["return_request_id", "order_line_id", "quantity"]),
        "refund": Table(Refund, [
            "order_id", "external_id", "amount", "currency", "reason", "refunded_at"]),
        "withdrawal": Table(Withdrawal, [
            "order_id", "declared_at", "channel", "status", "within_period", "note"]),
        "activity": Table(Activity, ACTIVITY_COLUMNS),
    }  # fmt: skip


def _setup_shop() -> tuple[Shop, Catalog, dict[str, int]]:
    shop = Shop.objects.create(name=DEMO_SHOP_NAME, slug=DEMO_SLUG, platform=Platform.DEMO)
    items = build_catalog()
    products = Product.objects.bulk_create(
        Product(shop=shop, sku=i.sku, name=i.name, category=i.category, price=i.price)
        for i in items
    )
    weights = np.array([i.popularity for i in items])
    catalog = Catalog(
        ids=np.array([p.pk for p in products], dtype=np.int64),
        skus=[i.sku for i in items],
        names=[i.name for i in items],
        prices=np.array([i.price for i in items]),
        weights=weights / weights.sum(),
    )
    tags = {name: Tag.objects.get_or_create(name=name)[0].pk for name in DEMO_TAGS}
    return shop, catalog, tags


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
    with transaction.atomic():
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
        tables=_tables(),
    )
    customer_id = next_id(Customer)
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
    reset_sequences([Customer, Order, OrderLine, Return])
    if connection.vendor == "sqlite":
        # Fresh statistics let the planner pick the search indexes; the sample limit keeps
        # ANALYZE at seconds instead of a full scan of every index of a multi-gigabyte file.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    return DemoResult(customers, run.orders, run.activities, time.monotonic() - started)


def _write_chunk(run: _Run, chunk_ids: np.ndarray) -> None:
    rng, tables, shop_id, now = run.rng, run.tables, run.shop_id, run.now
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
    tables["customer"].insert([
        (people.ids[i], people.email[i], people.first_name[i], people.last_name[i],
         people.salutation[i], people.title[i],
         "informal" if people.informal[i] else "formal", "de", people.phone[i],
         people.birthday[i], people.company[i], people.vat_id[i], "{}", "active",
         created_text[i], created_text[i], people.last_key[i], people.first_key[i],
         people.phone_key[i])
        for i in range(size)
    ])  # fmt: skip
    tables["address"].insert([
        (people.ids[i], "billing", people.company[i],
         f"{people.first_name[i]} {people.last_name[i]}", people.street[i], "",
         people.postal_code[i], people.city[i], "DE", True)
        for i in range(size)
    ])  # fmt: skip
    tables["account"].insert(
        (shop_id, f"K{people.ids[i]}", people.ids[i], created_text[i]) for i in range(size)
    )
    _write_tags_and_consents(run, people, population, history, created)
    tables["order"].insert(history.orders)
    tables["line"].insert(history.lines)
    tables["shipment"].insert(history.shipments)
    tables["return"].insert(history.returns)
    tables["return_line"].insert(history.return_lines)
    tables["refund"].insert(history.refunds)
    tables["withdrawal"].insert(history.withdrawals)
    activities = order_activities(history, shop_label="Demo-Shop")
    activities += staff_contacts(rng, customer_ids=chunk_ids, acquired_at=created,
                                 staff=run.staff, now=now)  # fmt: skip
    tables["activity"].insert(activities)
    run.orders += len(history.orders)
    run.activities += len(activities)


def _write_tags_and_consents(run: _Run, people, population, history, created) -> None:
    rng, tags, tables = run.rng, run.tags, run.tables
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
    tables["tag"].insert(rows)
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
    tables["consent"].insert(events)
