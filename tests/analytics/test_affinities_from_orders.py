"""Product affinities from the scoring job's order arrays equal those of the former join.

The job used to read every counted order line joined with its order (customer, time) and sort
the lines; now it reads (order, product) from the lines alone and takes customer and time from
the orders it has read for the scores. Both must give the same pairs, whatever the shop holds:
cancelled, returned, refunded and test orders, guest orders, orders in several currencies (one
without an exchange rate), orders in the future, lines without a product, a product twice in an
order, and orders of one customer placed in the same second.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from stammkunde.analytics.models import ProductAffinity
from stammkunde.analytics.reading import OrderArrays, read_orders
from stammkunde.analytics.recommendations import (
    _read_line_products,
    affinity_pairs,
    matrix_pairs,
    order_product_matrix,
    refresh_product_affinities,
)
from stammkunde.analytics.services import run_scoring, update_settings
from stammkunde.shop.models import Product
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ShopFactory

STATUSES = ["paid", "delivered", "delivered", "shipped", "cancelled", "returned"]


def former_pairs(**limits) -> dict:
    """The former way: counted lines joined with their orders, sorted by customer, time, order."""
    if connection.vendor == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM o.placed_at) AS BIGINT)"
    else:
        seconds = "CAST(strftime('%s', o.placed_at) AS INTEGER)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.customer_id, {seconds}, l.order_id, l.product_id"
            " FROM shop_orderline l JOIN shop_order o ON o.id = l.order_id"
            " WHERE l.product_id IS NOT NULL AND o.customer_id IS NOT NULL"
            " AND o.status <> 'cancelled' AND NOT o.is_test"
        )
        table = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 4)
    table = table[np.lexsort((table[:, 2], table[:, 1], table[:, 0]))]
    return affinity_pairs(table[:, 0], table[:, 2], table[:, 3], **limits)


def stored_pairs() -> dict:
    found: dict[str, list] = {"together": [], "next": []}
    for row in ProductAffinity.objects.order_by("kind", "product_id", "-score", "related_id"):
        found[row.kind].append((row.product_id, row.related_id, row.score, row.support))
    return found


def by_product(pairs: dict) -> dict:
    """Pairs per kind in a fixed order (the table has no order of its own)."""
    return {
        kind: sorted(found, key=lambda pair: (pair[0], -pair[2], pair[1]))
        for kind, found in pairs.items()
    }


@pytest.fixture
def mixed_shop(team_lead):
    """About 300 orders of 40 customers and some guests over 8 products, in four currencies."""
    rng = random.Random(16)
    euro_shop = ShopFactory()
    swiss_shop = ShopFactory(slug="ch", name="Schweiz", currency="CHF")
    products = [
        Product.objects.create(shop=euro_shop, sku=f"P{number}", name=f"P{number}", category="K")
        for number in range(8)
    ]
    customers = [CustomerFactory() for _ in range(40)]
    now = timezone.now().replace(microsecond=0)
    for index in range(300):
        customer = None if index % 17 == 0 else rng.choice(customers)
        status = rng.choice(STATUSES)
        total = Decimal(rng.randint(10, 200))
        refunded = total if status == "returned" else Decimal(rng.choice([0, 0, 0, 5]))
        placed_at = now - timedelta(days=rng.randint(-5, 700), seconds=rng.randint(0, 3))
        order = OrderFactory(
            shop=rng.choice([euro_shop, euro_shop, swiss_shop]),
            customer=customer,
            status=status,
            is_test=rng.random() < 0.05,
            currency=rng.choice(["EUR", "EUR", "CHF", "GBP", "SEK"]),
            total=total,
            refunded_total=refunded,
            placed_at=placed_at,
        )
        for number in range(1, rng.choice([0, 1, 1, 2, 2, 3, 4]) + 1):
            product = rng.choice([*products, None]) if rng.random() < 0.95 else None
            OrderLineFactory(order=order, product=product, line_number=number)
    # A customer's three orders in the same second, different products: the order ids decide
    # which came first.
    twin = CustomerFactory()
    moment = now - timedelta(days=40)
    for product in (products[0], products[1], products[2]):
        order = OrderFactory(shop=euro_shop, customer=twin, placed_at=moment)
        OrderLineFactory(order=order, product=product, line_number=1)
    rates = {"CHF": "1.05", "GBP": "1.17"}  # none for SEK: those orders are not scored
    update_settings(by=team_lead, main_currency="EUR", exchange_rates=rates)
    return products


@pytest.mark.django_db
def test_affinities_from_the_order_arrays_equal_the_former_join(mixed_shop):
    orders = read_orders(known_currencies=["EUR", "CHF"])
    matrix, customers, product_ids = order_product_matrix(orders, *_read_line_products())
    new = matrix_pairs(matrix, customers, product_ids, min_support=1, per_product=50)
    old = former_pairs(min_support=1, per_product=50)
    assert len(old["together"]) > 20 and len(old["next"]) > 20  # the shop has something to find
    assert new == old  # same pairs, same order, the same floats


@pytest.mark.django_db
def test_the_scoring_job_writes_the_affinities_of_the_former_join(mixed_shop):
    refresh_product_affinities(min_support=1)  # left over from before: replaced by the run
    run = run_scoring()
    assert run.state == "finished", run.error
    assert not run.error
    old = former_pairs()
    assert old["together"] and old["next"]
    stored = by_product(stored_pairs())
    assert stored == by_product(old)


@pytest.mark.django_db
def test_refresh_on_its_own_reads_the_orders_itself(mixed_shop):
    written = refresh_product_affinities(min_support=1, per_product=3)
    old = former_pairs(min_support=1, per_product=3)
    assert written == len(old["together"]) + len(old["next"])
    assert by_product(stored_pairs()) == by_product(old)


def test_orders_in_the_same_second_follow_their_ids_whatever_order_they_came_in():
    # Customer 1: orders 7 and 5 at second 100 (5 came second from the database), then 9.
    customer = np.array([1, 1, 1, 2])
    seconds = np.array([100, 100, 200, 50])
    order_id = np.array([7, 5, 9, 4])
    orders = OrderArrays(
        customer=customer,
        seconds=seconds,
        day=np.zeros(4, dtype=np.int32),
        value=np.ones(4),
        currency=np.zeros(4, dtype=np.int16),
        returned=np.zeros(4, dtype=bool),
        shop=np.ones(4, dtype=np.int64),
        currencies=["EUR"],
        currency_orders={"EUR": 4},
        uncounted_customers=np.empty(0, dtype=np.int64),
        order_id=order_id,
    )
    # (order, product): 5 holds 10, 7 holds 20, 9 holds 30, 4 holds 10; order 8 is not counted.
    line_order = np.array([9, 7, 5, 4, 8])
    line_product = np.array([30, 20, 10, 10, 20])
    matrix, customers, product_ids = order_product_matrix(orders, line_order, line_product)
    pairs = matrix_pairs(matrix, customers, product_ids, min_support=1)
    # By id: 5 (10), then 7 (20), then 9 (30).
    assert [(a, b) for a, b, _s, _n in pairs["next"]] == [(10, 20), (20, 30)]
    assert customers.tolist() == [1, 1, 1, 2]
