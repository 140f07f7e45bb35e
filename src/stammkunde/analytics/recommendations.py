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
from django.db.models import QuerySet, Sum
from scipy import sparse

from stammkunde.analytics import reading
from stammkunde.analytics.reading import OrderArrays
from stammkunde.core.bulk import insert_ignore
from stammkunde.core.compiled import ID, IDS, CompiledRead
from stammkunde.shop.models import Order, OrderLine, Product, ReturnLine

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


def _read_line_products() -> tuple[np.ndarray, np.ndarray]:
    """(order id, product id) of every order line with a product, unsorted.

    Only the lines table, two integer columns: the order's customer and time come from the
    scoring job's order arrays, which hold them already (a join with a per-line date
    conversion cost more than the rest of the affinities together on ten million orders).
    One streamed query (a server-side cursor on PostgreSQL), each batch an array at once.
    """
    table = connection.ops.quote_name(OrderLine._meta.db_table)
    parts: list[np.ndarray] = []
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT order_id, product_id FROM {table} WHERE product_id IS NOT NULL")
        while rows := cursor.fetchmany(READ_CHUNK):
            parts.append(
                np.fromiter(
                    itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * 2
                )
            )
    flat = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    return flat[0::2].copy(), flat[1::2].copy()


def _dense_ranks(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct values, each value's index among them) of non-negative ids.

    What ``np.unique(values, return_inverse=True)`` returns, by a table over 0..max instead of
    a sort when the ids are dense enough (ten million lines over a few thousand products).
    """
    if values.size == 0 or int(values.max()) > 4 * size + 1_000_000 or int(values.min()) < 0:
        return np.unique(values, return_inverse=True)
    present = np.zeros(int(values.max()) + 1, dtype=bool)
    present[values] = True
    index = np.cumsum(present) - 1
    return np.flatnonzero(present), index[values]


def _order_lookup(order_id: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in ``order_id`` (distinct ids), -1 where it is absent."""
    if order_id.size == 0 or wanted.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    top = max(int(order_id.max()), int(wanted.max()))
    if top <= 4 * order_id.size + 1_000_000 and min(order_id.min(), wanted.min()) >= 0:
        table = np.full(top + 1, -1, dtype=np.int64)
        table[order_id] = np.arange(order_id.size)
        return table[wanted]
    by_id = np.argsort(order_id)
    sorted_ids = order_id[by_id]
    at = np.minimum(np.searchsorted(sorted_ids, wanted), sorted_ids.size - 1)
    return np.where(sorted_ids[at] == wanted, by_id[at], -1)


def order_product_matrix(
    orders: OrderArrays, line_order: np.ndarray, line_product: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """The 0/1 order x product matrix of customers' counted orders that have product lines.

    Returns (matrix, customer per matrix row, product id per column). Rows follow each
    customer's orders by time, then order id (``orders`` come sorted by customer and time);
    lines of orders not in ``orders`` (cancelled, test orders) and of guest orders are left
    out, as are orders without product lines, so "next" means the next order with products.
    """
    mine = orders.customer > 0
    customer, seconds, ids = orders.customer[mine], orders.seconds[mine], orders.order_id[mine]
    # Orders of one customer in the same second: the order id decides, whatever order the
    # database returned them in.
    ties = (customer[1:] == customer[:-1]) & (seconds[1:] == seconds[:-1])
    if np.any(ties & (ids[1:] < ids[:-1])):
        by = np.lexsort((ids, seconds, customer))
        customer, ids = customer[by], ids[by]
    row = _order_lookup(ids, line_order)
    kept = row >= 0
    row = row[kept]
    product_ids, column = _dense_ranks(line_product[kept], row.size)
    matrix = _incidence_matrix(row, column, (ids.size, product_ids.size))
    with_lines = np.diff(matrix.indptr) > 0
    return matrix[with_lines], customer[with_lines], product_ids


def _incidence_matrix(
    rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]
) -> sparse.csr_matrix:
    """The 0/1 order x product matrix of the (order row, product column) pairs of order lines:
    a product twice in one order counts once."""
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, columns)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


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
    if len(orders) == 0:
        return {"together": [], "next": []}
    product_ids, product_index = np.unique(products, return_inverse=True)
    new_order = np.empty(len(orders), dtype=bool)
    new_order[0] = True
    new_order[1:] = orders[1:] != orders[:-1]
    order_index = np.cumsum(new_order) - 1
    matrix = _incidence_matrix(
        order_index, product_index, (int(order_index[-1]) + 1, len(product_ids))
    )
    return matrix_pairs(
        matrix, customers[new_order], product_ids, min_support=min_support, per_product=per_product
    )


def matrix_pairs(
    matrix: sparse.csr_matrix,
    order_customer: np.ndarray,
    product_ids: np.ndarray,
    *,
    min_support: int = 2,
    per_product: int = 20,
) -> dict[str, list[tuple[int, int, float, int]]]:
    """The pairs of ``affinity_pairs`` from a 0/1 order x product matrix whose rows are each
    customer's orders in time order (``order_customer``: the customer of each row)."""
    result: dict[str, list[tuple[int, int, float, int]]] = {"together": [], "next": []}
    if matrix.shape[0] == 0:
        return result
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


def refresh_product_affinities(
    *, orders: OrderArrays | None = None, min_support: int = 2, per_product: int = 20
) -> int:
    """Recompute the ProductAffinity table from all counted orders; returns the rows written.

    ``orders``: the scoring job's order arrays (``reading.read_orders``), read afresh when not
    given. Lines of an order placed after those were read count from the next run on.
    """
    from stammkunde.analytics.models import ProductAffinity

    if orders is None:
        orders = reading.read_orders()
    line_order, line_product = _read_line_products()
    matrix, order_customer, product_ids = order_product_matrix(orders, line_order, line_product)
    del line_order, line_product
    pairs = matrix_pairs(
        matrix, order_customer, product_ids, min_support=min_support, per_product=per_product
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


# The reads of ``recommendations_for`` (every customer page), compiled once (core/compiled.py).
_OWNED = CompiledRead(
    lambda customer_id: Order.objects.filter(
        customer_id=customer_id, lines__product__isnull=False
    ).values_list("lines__product_id", flat=True),
    customer_id=ID,
)
_RETURNED = CompiledRead(
    lambda customer_id: ReturnLine.objects.filter(
        return_request__order__customer_id=customer_id, order_line__product__isnull=False
    ).values_list("order_line__product_id", flat=True),
    customer_id=ID,
)


def _ranked_affinities(owned: list[int], excluded: list[int]) -> QuerySet:
    from stammkunde.analytics.models import ProductAffinity

    # MAX_RECOMMENDATIONS rows: a caller's smaller limit takes the first of them (the order is
    # total, ties broken by id), so one statement serves every limit.
    return (
        ProductAffinity.objects.filter(product_id__in=owned)
        .exclude(related_id__in=excluded)
        .values("related_id")
        .annotate(total=Sum("score"))
        .order_by("-total", "related_id")
        .values_list("related_id", flat=True)[:MAX_RECOMMENDATIONS]
    )


# ``excluded`` holds ``owned``, so neither list is empty when it is asked.
_RANKED = CompiledRead(_ranked_affinities, owned=IDS, excluded=IDS)
_PRODUCTS = CompiledRead(lambda ids: Product.objects.filter(pk__in=ids), ids=IDS)


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
    limit = max(0, min(limit, MAX_RECOMMENDATIONS))
    if limit == 0:
        return []
    checks = [*(_blockers if for_messaging else []), *([exclude_if] if exclude_if else [])]
    if any(check(customer_id) for check in checks):
        return []
    owned = set(_OWNED.fetch(customer_id=customer_id))
    if not owned:
        return []
    returned = set(_RETURNED.fetch(customer_id=customer_id))
    ranked = _RANKED.fetch(owned=sorted(owned), excluded=sorted(owned | returned))[:limit]
    products = {product.pk: product for product in _PRODUCTS.fetch(ids=ranked)}
    return [products[pk] for pk in ranked if pk in products]
