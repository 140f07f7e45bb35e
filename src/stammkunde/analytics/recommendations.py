"""Item-to-item recommendations from order lines: products bought together and bought next.

``refresh_product_affinities()`` (called by the scoring job) reads the order lines of counted
orders once, builds a sparse order x product matrix and gets every co-occurrence count from
two sparse matrix products, so the cost grows with the number of order lines, not with the
square of the catalogue:

* *bought together*: ``M.T @ M`` over orders (pairs of products in the same order);
* *bought next*: ``M[prev].T @ M[next]`` over consecutive orders of the same customer.

A pair's score is the cosine of the two products' order sets, ``n_ab / sqrt(n_a * n_b)``, so a
best seller does not become everybody's recommendation. Only pairs seen at least
``min_support`` times are kept, and at most ``per_product`` per product and kind.

Restraint (seed 000: "Weniger wäre mehr gewesen"): ``recommendations_for`` returns a few
products at most. Messaging must never offer products to a customer with an open complaint; it
calls ``recommendations_for(..., for_messaging=True)``, which asks the blockers registered with
``register_recommendation_blocker`` (the service app registers "has an open complaint" once it
exists; analytics cannot import it, as it sits on the same layer).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from django.db import connection, transaction
from django.db.models import Sum
from scipy import sparse

from stammkunde.core.bulk import insert_ignore
from stammkunde.shop.models import Order, OrderLine, OrderStatus, Product, ReturnLine

MAX_RECOMMENDATIONS = 5
READ_CHUNK = 200_000

RecommendationBlocker = Callable[[int], bool]
_blockers: list[RecommendationBlocker] = []


def register_recommendation_blocker(blocker: RecommendationBlocker) -> None:
    """Register ``blocker(customer_id) -> True`` for customers who must get no offers now."""
    if blocker not in _blockers:
        _blockers.append(blocker)


def unregister_recommendation_blocker(blocker: RecommendationBlocker) -> None:
    if blocker in _blockers:
        _blockers.remove(blocker)


def _lines_sql() -> str:
    line_table = connection.ops.quote_name(OrderLine._meta.db_table)
    order_table = connection.ops.quote_name(Order._meta.db_table)
    if connection.vendor == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM o.placed_at) AS BIGINT)"
    else:
        seconds = "CAST(strftime('%s', o.placed_at) AS INTEGER)"
    return (
        f"SELECT o.customer_id, {seconds}, l.order_id, l.product_id"
        f" FROM {line_table} l JOIN {order_table} o ON o.id = l.order_id"
        " WHERE l.product_id IS NOT NULL AND o.customer_id IS NOT NULL"
        f" AND o.status <> '{OrderStatus.CANCELLED.value}' AND NOT o.is_test"
    )


def _read_lines() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, order, product) ids of counted order lines, by customer, time and order.

    One streamed query without ORDER BY (a server-side cursor on PostgreSQL); batches become
    arrays at once and the sort happens in numpy, which is much cheaper than sorting millions
    of joined rows in the database or building a tuple per line.
    """
    parts: list[np.ndarray] = []
    with connection.chunked_cursor() as cursor:
        cursor.execute(_lines_sql())
        while rows := cursor.fetchmany(READ_CHUNK):
            flat = np.fromiter(
                itertools.chain.from_iterable(rows), dtype=np.float64, count=len(rows) * 4
            )
            parts.append(flat.reshape(-1, 4))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    table = np.concatenate(parts)
    table = table[np.isfinite(table).all(axis=1)].astype(np.int64)
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0]))
    table = table[order]
    return table[:, 0], table[:, 2], table[:, 3]


def affinity_pairs(
    customers: np.ndarray,
    orders: np.ndarray,
    products: np.ndarray,
    *,
    min_support: int = 2,
    per_product: int = 20,
) -> dict[str, list[tuple[int, int, float, int]]]:
    """Pure: ``{"together": [...], "next": [...]}`` of (product, related, score, support).

    The three arrays are order lines sorted by customer, then order time, then order (lines of
    one order adjacent).
    """
    result: dict[str, list[tuple[int, int, float, int]]] = {"together": [], "next": []}
    if len(orders) == 0:
        return result
    product_ids, product_index = np.unique(products, return_inverse=True)
    new_order = np.empty(len(orders), dtype=bool)
    new_order[0] = True
    new_order[1:] = orders[1:] != orders[:-1]
    order_index = np.cumsum(new_order) - 1
    order_customer = customers[new_order]
    matrix = sparse.csr_matrix(
        (np.ones(len(orders), dtype=np.int64), (order_index, product_index)),
        shape=(int(order_index[-1]) + 1, len(product_ids)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1  # a product twice in one order counts once
    orders_with = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float64)

    together = (matrix.T @ matrix).tocoo()
    same_customer = np.flatnonzero(order_customer[1:] == order_customer[:-1])
    following = (matrix[same_customer].T @ matrix[same_customer + 1]).tocoo()
    for kind, counts in (("together", together), ("next", following)):
        keep = (counts.row != counts.col) & (counts.data >= min_support)
        rows, cols, support = counts.row[keep], counts.col[keep], counts.data[keep]
        if len(rows) == 0:
            continue
        score = support / np.sqrt(orders_with[rows] * orders_with[cols])
        # Best first within each product: sort by product, then score descending.
        order = np.lexsort((cols, -score, rows))
        rows, cols, score, support = rows[order], cols[order], score[order], support[order]
        starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        top = rank < per_product
        result[kind] = [
            (int(product_ids[a]), int(product_ids[b]), float(s), int(n))
            for a, b, s, n in zip(rows[top], cols[top], score[top], support[top], strict=True)
        ]
    return result


def refresh_product_affinities(*, min_support: int = 2, per_product: int = 20) -> int:
    """Recompute the ProductAffinity table from all counted orders; returns the rows written."""
    from stammkunde.analytics.models import ProductAffinity

    customers, orders, products = _read_lines()
    pairs = affinity_pairs(
        customers, orders, products, min_support=min_support, per_product=per_product
    )
    rows = [
        (a, b, kind, score, support)
        for kind, found in pairs.items()
        for a, b, score, support in found
    ]
    with transaction.atomic():
        ProductAffinity.objects.all().delete()
        # One executemany instead of model instances: a large catalogue has 100,000s of pairs.
        insert_ignore(
            ProductAffinity,
            ["product_id", "related_id", "kind", "score", "support"],
            rows,
            conflict=["product_id", "related_id", "kind"],
        )
    return len(rows)


def recommendations_for(
    customer_id: int,
    limit: int = 3,
    *,
    for_messaging: bool = False,
    exclude_if: RecommendationBlocker | None = None,
) -> list[Product]:
    """A short ranked list of products for one customer, best first (at most 5).

    Excludes everything the customer already bought or sent back. With ``for_messaging`` (any
    message to the customer), the registered blockers and ``exclude_if`` are asked first, and a
    customer they block (open complaint) gets no recommendations at all.
    """
    from stammkunde.analytics.models import ProductAffinity

    limit = max(0, min(limit, MAX_RECOMMENDATIONS))
    if limit == 0:
        return []
    checks = [*(_blockers if for_messaging else []), *([exclude_if] if exclude_if else [])]
    if any(check(customer_id) for check in checks):
        return []
    owned = set(
        Order.objects.filter(customer_id=customer_id, lines__product__isnull=False).values_list(
            "lines__product_id", flat=True
        )
    )
    returned = set(
        ReturnLine.objects.filter(
            return_request__order__customer_id=customer_id, order_line__product__isnull=False
        ).values_list("order_line__product_id", flat=True)
    )
    if not owned:
        return []
    ranked = list(
        ProductAffinity.objects.filter(product_id__in=owned)
        .exclude(related_id__in=owned | returned)
        .values("related_id")
        .annotate(total=Sum("score"))
        .order_by("-total", "related_id")
        .values_list("related_id", flat=True)[:limit]
    )
    products = Product.objects.in_bulk(ranked)
    return [products[pk] for pk in ranked if pk in products]
