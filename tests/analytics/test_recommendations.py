"""Item-to-item recommendations: bought together, bought next, and a short list per customer."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from stammkunde.analytics.models import ProductAffinity
from stammkunde.analytics.recommendations import (
    MAX_RECOMMENDATIONS,
    affinity_pairs,
    recommendations_for,
    refresh_product_affinities,
    register_recommendation_blocker,
    unregister_recommendation_blocker,
)
from stammkunde.shop.models import Product, Return, ReturnLine
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ShopFactory


def lines(*rows):
    """(customer, order, product) rows -> the three arrays, already in customer/time order."""
    table = np.array(rows, dtype=np.int64)
    return table[:, 0], table[:, 1], table[:, 2]


def as_dict(found):
    return {(a, b): (score, support) for a, b, score, support in found}


def test_pairs_in_the_same_order_are_bought_together():
    # Orders 1 and 3 hold products 10 and 20; order 5 holds 10 alone.
    customers, orders, products = lines((1, 1, 10), (1, 1, 20), (2, 3, 10), (2, 3, 20), (3, 5, 10))
    pairs = affinity_pairs(customers, orders, products, min_support=1)
    together = as_dict(pairs["together"])
    # cosine = n_ab / sqrt(n_a * n_b) = 2 / sqrt(3 * 2)
    assert together[(10, 20)] == (pytest.approx(2 / math.sqrt(6)), 2)
    assert together[(20, 10)] == (pytest.approx(2 / math.sqrt(6)), 2)
    assert (10, 10) not in together
    assert pairs["next"] == []  # no customer has two orders


def test_next_pairs_follow_consecutive_orders_of_one_customer():
    customers, orders, products = lines(
        (1, 1, 10), (1, 2, 30), (1, 4, 40),  # customer 1: 10, then 30, then 40
        (2, 3, 10), (2, 6, 30),  # customer 2: 10, then 30
        (3, 7, 30), (4, 8, 10),  # single orders; 3 -> 4 are different customers
    )  # fmt: skip
    pairs = affinity_pairs(customers, orders, products, min_support=1)
    following = as_dict(pairs["next"])
    # 10 -> 30 twice; 10 is in 3 orders, 30 in 3 orders.
    assert following[(10, 30)] == (pytest.approx(2 / 3), 2)
    assert following[(30, 40)] == (pytest.approx(1 / math.sqrt(3)), 1)
    assert (30, 10) not in following  # order matters: nobody bought 10 after 30
    assert (10, 40) not in following  # only the next order counts


def test_a_product_twice_in_one_order_counts_once():
    customers, orders, products = lines((1, 1, 10), (1, 1, 10), (1, 1, 20))
    together = as_dict(affinity_pairs(customers, orders, products, min_support=1)["together"])
    assert together[(10, 20)] == (pytest.approx(1.0), 1)


def test_min_support_and_per_product_limit():
    rows = []
    order = 0
    for partner, times in ((20, 3), (30, 2), (40, 1)):
        for _ in range(times):
            order += 1
            rows += [(order, order, 10), (order, order, partner)]
    customers, orders, products = lines(*rows)
    together = affinity_pairs(customers, orders, products, min_support=2, per_product=1)
    from_ten = [(a, b) for a, b, _s, _n in together["together"] if a == 10]
    assert from_ten == [(10, 20)]  # 40 below support, 30 cut by the limit


def test_no_lines_no_pairs():
    empty = np.empty(0, dtype=np.int64)
    assert affinity_pairs(empty, empty, empty) == {"together": [], "next": []}


# --- database ------------------------------------------------------------------------------


@pytest.fixture
def catalog(db):
    shop = ShopFactory()
    return {
        name: Product.objects.create(shop=shop, sku=name, name=name, category="Kaffee")
        for name in ("beans", "grinder", "filter", "mug", "descaler")
    }


def buy(customer, products, *, days_ago, status="paid", is_test=False):
    order = OrderFactory(
        customer=customer,
        placed_at=timezone.now() - timedelta(days=days_ago),
        status=status,
        is_test=is_test,
    )
    for number, product in enumerate(products, start=1):
        OrderLineFactory(order=order, product=product, line_number=number, sku=product.sku)
    return order


@pytest.mark.django_db
def test_refresh_writes_affinities_from_counted_orders_only(catalog):
    for _ in range(2):
        customer = CustomerFactory()
        buy(customer, [catalog["beans"], catalog["grinder"]], days_ago=60)
        buy(customer, [catalog["filter"]], days_ago=20)
    # Cancelled and test orders must not create a beans/mug pair (twice each: enough support).
    for status, is_test in [("cancelled", False)] * 2 + [("paid", True)] * 2:
        buy(
            CustomerFactory(),
            [catalog["beans"], catalog["mug"]],
            days_ago=5,
            status=status,
            is_test=is_test,
        )

    written = refresh_product_affinities(min_support=2)
    rows = {
        (a.product.sku, a.related.sku, a.kind): a.support
        for a in ProductAffinity.objects.select_related("product", "related")
    }
    assert rows == {
        ("beans", "grinder", "together"): 2,
        ("grinder", "beans", "together"): 2,
        ("beans", "filter", "next"): 2,
        ("grinder", "filter", "next"): 2,
    }
    assert written == 4
    # Running it again replaces, never duplicates.
    assert refresh_product_affinities(min_support=2) == 4
    assert ProductAffinity.objects.count() == 4


@pytest.mark.django_db
def test_recommendations_exclude_what_the_customer_owns_or_returned(catalog):
    for _ in range(3):
        customer = CustomerFactory()
        buy(customer, [catalog["beans"], catalog["grinder"], catalog["mug"]], days_ago=90)
        buy(customer, [catalog["filter"]], days_ago=30)
    refresh_product_affinities(min_support=2)

    newcomer = CustomerFactory()
    buy(newcomer, [catalog["beans"]], days_ago=3)
    got = recommendations_for(newcomer.pk)
    assert set(got) == {catalog["grinder"], catalog["mug"], catalog["filter"]}
    assert len(got) == 3

    returner = CustomerFactory()
    order = buy(returner, [catalog["beans"], catalog["mug"]], days_ago=10)
    request = Return.objects.create(order=order, reason="defective", announced_at=timezone.now())
    ReturnLine.objects.create(
        return_request=request, order_line=order.lines.get(product=catalog["mug"]), quantity=1
    )
    got = recommendations_for(returner.pk, limit=5)
    assert catalog["mug"] not in got
    assert catalog["beans"] not in got
    assert set(got) == {catalog["grinder"], catalog["filter"]}


@pytest.mark.django_db
def test_recommendations_are_ranked_and_few(catalog):
    # grinder goes with beans four times, mug twice (just at the support threshold).
    for partner, times in (("grinder", 4), ("mug", 2)):
        for _ in range(times):
            buy(CustomerFactory(), [catalog["beans"], catalog[partner]], days_ago=40)
    refresh_product_affinities(min_support=2)
    buyer = CustomerFactory()
    buy(buyer, [catalog["beans"]], days_ago=1)
    assert recommendations_for(buyer.pk, limit=1) == [catalog["grinder"]]
    assert recommendations_for(buyer.pk, limit=2) == [catalog["grinder"], catalog["mug"]]
    assert len(recommendations_for(buyer.pk, limit=100)) <= MAX_RECOMMENDATIONS
    assert recommendations_for(buyer.pk, limit=0) == []
    assert recommendations_for(CustomerFactory().pk) == []  # no purchases, nothing to go on


@pytest.mark.django_db
def test_messaging_gets_nothing_for_a_customer_with_an_open_complaint(catalog):
    for _ in range(2):
        buy(CustomerFactory(), [catalog["beans"], catalog["grinder"]], days_ago=40)
    refresh_product_affinities(min_support=2)
    unhappy = CustomerFactory()
    buy(unhappy, [catalog["beans"]], days_ago=1)

    def has_open_complaint(customer_id: int) -> bool:
        return customer_id == unhappy.pk

    register_recommendation_blocker(has_open_complaint)
    try:
        assert recommendations_for(unhappy.pk, for_messaging=True) == []
        # Staff still see them on the 360 page.
        assert recommendations_for(unhappy.pk) == [catalog["grinder"]]
    finally:
        unregister_recommendation_blocker(has_open_complaint)
    assert recommendations_for(unhappy.pk, for_messaging=True) == [catalog["grinder"]]
    assert recommendations_for(unhappy.pk, exclude_if=has_open_complaint) == []
