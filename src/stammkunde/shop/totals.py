"""How an order's amounts add up: the one rule for every path that writes orders.

The total is what the lines cost plus shipping minus the discount (a shop that sends its own
total, which may include fees or rounding we do not itemize, overrides it in
``services.upserting.order_amounts``). Computed in Python for orders written from their data
(``order_total``, also element-wise on numpy arrays for the demo generator), and in SQL for
orders whose lines are already stored (``RECOUNT_TOTALS``, the same rule).
"""

from __future__ import annotations

from typing import TypeVar

Amount = TypeVar("Amount")


def order_total(subtotal: Amount, shipping: Amount, discount: Amount) -> Amount:
    """The total of an order from the sum of its lines, shipping and discount."""
    return subtotal + shipping - discount  # type: ignore[operator]


# ``order_total`` in SQL, for the orders with the ids at {ids} (placeholders): the subtotal
# summed from the stored lines. ROUND keeps SQLite's floating-point sums at cents; PostgreSQL
# sums numerics exactly anyway.
RECOUNT_TOTALS = (
    "UPDATE shop_order SET"
    " subtotal = COALESCE((SELECT ROUND(SUM(l.total), 2) FROM shop_orderline l"
    "   WHERE l.order_id = shop_order.id), 0),"
    " total = COALESCE((SELECT ROUND(SUM(l.total), 2) FROM shop_orderline l"
    "   WHERE l.order_id = shop_order.id), 0) + shipping_total - discount_total"
    " WHERE id IN ({ids})"
)
