"""Reads of shop data: customer search across profiles and orders, key figures, order lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from stammkunde.core.compiled import ID, IDS, TEXT, CompiledRead
from stammkunde.core.keys import prefix_range
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import customer_ids_matching, record_list_view
from stammkunde.shop.models import (
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    Return,
    Shipment,
    Shop,
    ShopAccount,
    Withdrawal,
    reversed_number,
)
from stammkunde.shop.visibility import limit_orders, staff_shop_ids, visible_customer_ids

SEARCH_LIMIT = 50
CENT = Decimal("0.01")


def counted_orders() -> QuerySet[Order]:
    """Orders that count for key figures: neither cancelled nor test orders."""
    return Order.objects.exclude(status=OrderStatus.CANCELLED).filter(is_test=False)


def shop_account(shop: Shop, external_id: str) -> ShopAccount | None:
    """The shop's account with this customer id of the shop, if we have one."""
    return ShopAccount.objects.filter(shop=shop, external_id=external_id).first()


def find_customers(
    term: str, *, limit: int = SEARCH_LIMIT, shop_ids: Collection[int] | None = None
) -> list[Customer]:
    """Customers matching a search term: e-mail, name or phone prefix, postal code (and city),
    an order number or its end ("10234" for 110234), or a shop's customer number ("K-1001").

    A merged-away customer is never shown; an order number of a merged customer leads to the
    surviving one. ``shop_ids``: only customers of these shops (``shop/visibility.py``).
    """
    # PostgreSQL refuses NUL characters in text parameters; no name or number contains one.
    term = (term or "").replace("\x00", "").strip()[:200]
    if not term:
        return []
    ids: list[int] = []
    for customer_id in _customer_ids_by_shop_numbers(term, limit=limit, shop_ids=shop_ids):
        if customer_id not in ids:
            ids.append(customer_id)
    for customer_id in customer_ids_matching(term, limit=limit):
        if customer_id not in ids:
            ids.append(customer_id)
    customers = {customer.pk: customer for customer in _CUSTOMERS.fetch(ids=ids[:limit])}
    resolved: list[Customer] = []
    for pk in ids[:limit]:
        customer = customers.get(pk)
        while customer is not None and customer.status == CustomerStatus.MERGED:
            customer = customer.merged_into
        # An erased customer's processing is restricted (Art. 18 GDPR): never in results.
        if customer is None or customer.status == CustomerStatus.ERASED:
            continue
        if customer not in resolved:
            resolved.append(customer)
    if shop_ids is not None:
        visible = visible_customer_ids([customer.pk for customer in resolved], shop_ids)
        resolved = [customer for customer in resolved if customer.pk in visible]
    return resolved


_CUSTOMERS = CompiledRead(lambda ids: Customer.objects.filter(pk__in=ids).order_by(), ids=IDS)


# The shortest end of an order number worth a search: "34" would match every hundredth order.
MIN_NUMBER_ENDING = 4


def _customer_ids_by_shop_numbers(
    term: str, *, limit: int, shop_ids: Collection[int] | None
) -> list[int]:
    """Customer ids of the orders whose number is ``term`` or ends with it, then of the shop
    accounts with ``term`` as customer number; each one index scan with its own limit."""
    number = term.lstrip("#")
    if not number or " " in number:
        return []
    if shop_ids is None and limit <= COMPILED_LIMIT:
        scans = _compiled_number_scans(number, limit)
    else:
        scans = [list(scan) for scan in _number_scans(number, limit, shop_ids)]
    found: list[int] = []
    for scan in scans:
        for customer_id in scan:
            if customer_id not in found:
                found.append(customer_id)
    return found


def _has_ending(number: str) -> bool:
    return len(number) >= MIN_NUMBER_ENDING and any(ch.isdigit() for ch in number)


def _number_scans(number: str, limit: int, shop_ids: Collection[int] | None) -> list[QuerySet]:
    """The scans of ``_customer_ids_by_shop_numbers``, each giving customer ids: orders of
    this number, orders whose number ends with it, shop accounts of this customer number."""
    orders = limit_orders(Order.objects.exclude(customer_id=None), shop_ids)
    scans = [orders.filter(number__in={number, f"#{number}"})]
    if _has_ending(number):
        # The end of a number is a prefix of its reversed copy (the order_number_reversed index).
        low, high = prefix_range(reversed_number(number))
        ending = orders.filter(number_reversed__gte=low, number_reversed__lt=high)
        scans.append(ending.order_by("number_reversed"))
    accounts = ShopAccount.objects.filter(external_id__in={number, number.upper()})
    if shop_ids is not None:
        accounts = accounts.filter(shop_id__in=shop_ids)
    return [scan.values_list("customer_id", flat=True)[:limit] for scan in [*scans, accounts]]


# The scans for staff of every shop, compiled once per limit (core/compiled.py).
COMPILED_LIMIT = 101
_compiled_number_reads: dict[int, tuple[CompiledRead, CompiledRead, CompiledRead]] = {}


def _compiled_number_scans(number: str, limit: int) -> list[list[int]]:
    if limit not in _compiled_number_reads:
        orders = Order.objects.exclude(customer_id=None)
        _compiled_number_reads[limit] = (
            CompiledRead(
                lambda exact, marked: orders.filter(number__in=[exact, marked]).values_list(
                    "customer_id", flat=True
                )[:limit],
                exact=TEXT,
                marked=TEXT,
            ),
            CompiledRead(
                lambda low, high: (
                    orders.filter(number_reversed__gte=low, number_reversed__lt=high)
                    .order_by("number_reversed")
                    .values_list("customer_id", flat=True)[:limit]
                ),
                low=TEXT,
                high=TEXT,
            ),
            CompiledRead(
                lambda exact, upper: ShopAccount.objects.filter(
                    external_id__in=[exact, upper]
                ).values_list("customer_id", flat=True)[:limit],
                exact=TEXT,
                upper=TEXT,
            ),
        )
    by_number, by_ending, by_account = _compiled_number_reads[limit]
    scans = [by_number.fetch(exact=number, marked=f"#{number}")]
    if _has_ending(number):
        low, high = prefix_range(reversed_number(number))
        scans.append(by_ending.fetch(low=low, high=high))
    scans.append(by_account.fetch(exact=number, upper=number.upper()))
    return scans


def search_customers(
    term: str,
    *,
    by: Any,
    offset: int = 0,
    limit: int = SEARCH_LIMIT,
    shop_ids: Collection[int] | None = None,
) -> list[Customer]:
    """``find_customers`` for a staff page or an API call: up to ``limit`` + 1 matches from
    ``offset`` (the extra one tells a next page exists), audited once with the ids of the
    (at most ``limit``) customers shown. Staff limited to shops find only those shops'
    customers."""
    if shop_ids is None:
        shop_ids = staff_shop_ids(by)
    found = find_customers(term, limit=offset + limit + 1, shop_ids=shop_ids)[offset:]
    record_list_view([customer.pk for customer in found[:limit]], by=by, detail="search")
    return found


@dataclass(frozen=True)
class KeyFigures:
    """What a service agent needs to know about a customer at a glance."""

    order_count: int
    revenue: Decimal
    refunded: Decimal
    currency: str
    average_basket: Decimal | None
    first_order_at: datetime | None
    last_order_at: datetime | None
    days_since_last_order: int | None
    mean_reorder_interval_days: float | None
    return_count: int
    cancelled_count: int
    # Every order of any status, test orders too (``order_count()``: the order box's total).
    all_orders: int = 0

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.refunded


def _order_totals() -> dict[str, Any]:
    """The aggregates of ``key_figures``, by name."""
    counted = ~Q(status=OrderStatus.CANCELLED) & Q(is_test=False)
    return {
        "count": Count("id", filter=counted),
        "revenue": Sum("total", filter=counted),
        "refunded": Sum("refunded_total", filter=counted),
        "first": Min("placed_at", filter=counted),
        "last": Max("placed_at", filter=counted),
        "low_currency": Min("currency", filter=counted),
        "high_currency": Max("currency", filter=counted),
        "cancelled": Count("id", filter=Q(status=OrderStatus.CANCELLED)),
        "every": Count("id"),
    }


# The key figures of staff of every shop (the customer page), compiled once
# (core/compiled.py): the same aggregates grouped by the one customer, so a customer without
# orders has no row (the aggregates of no rows: counts 0, the rest None).
_TOTALS = CompiledRead(
    lambda customer_id: (
        Order.objects.filter(customer_id=customer_id)
        .order_by()
        .values("customer_id")
        .annotate(**_order_totals())
    ),
    customer_id=ID,
)
_NO_ORDERS: dict[str, Any] = {
    **dict.fromkeys(("revenue", "refunded", "first", "last", "low_currency", "high_currency")),
    "count": 0,
    "cancelled": 0,
    "every": 0,
}
_RETURN_COUNT = CompiledRead(
    lambda customer_id: (
        Return.objects.filter(order__customer_id=customer_id)
        .order_by()
        .values("order__customer_id")
        .annotate(returns=Count("id"))
        .values_list("returns", flat=True)
    ),
    customer_id=ID,
)


def key_figures(customer_id: int, *, by: Any = None) -> KeyFigures:
    """Order count, revenue, basket value, reorder interval and returns of one customer
    (for staff limited to shops ``by``: of the orders in their shops)."""
    shop_ids = staff_shop_ids(by)
    # One pass over the customer's orders (the order_customer_time index) with filtered
    # aggregates instead of a query per figure: the 360 page is opened on every call.
    if shop_ids is None:
        totals = _TOTALS.first(customer_id=customer_id) or _NO_ORDERS
        returns = _RETURN_COUNT.first(customer_id=customer_id) or 0
    else:
        orders = limit_orders(Order.objects.filter(customer_id=customer_id), shop_ids)
        totals = orders.aggregate(**_order_totals())
        returns = Return.objects.filter(order__in=orders).count()
    count = totals["count"] or 0
    revenue = _money(totals["revenue"])
    first, last = totals["first"], totals["last"]
    interval = None
    if count >= 2 and first and last:
        interval = (last - first).total_seconds() / 86400 / (count - 1)
    low, high = totals["low_currency"], totals["high_currency"]
    return KeyFigures(
        order_count=count,
        revenue=revenue,
        refunded=_money(totals["refunded"]),
        currency="" if low is None else (low if low == high else "*"),
        average_basket=(revenue / count).quantize(CENT) if count else None,
        first_order_at=first,
        last_order_at=last,
        days_since_last_order=days_since(last) if last else None,
        mean_reorder_interval_days=round(interval, 1) if interval is not None else None,
        return_count=returns,
        cancelled_count=totals["cancelled"] or 0,
        all_orders=totals["every"] or 0,
    )


def days_since(moment: datetime) -> int:
    """Calendar days in the shop's time zone from ``moment`` to today, the way the scoring
    counts recency (``analytics.reading.local_days``): an order last evening is 1 day ago,
    not 0 because fewer than 24 hours passed (issue 15: "vor 191 Tagen" beside "192")."""
    return (timezone.localdate() - timezone.localtime(moment).date()).days


def _money(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floats; round back to cents so 49.26 does not show as 49.2600000.
    return Decimal("0") if value is None else Decimal(value).quantize(CENT)


def order_count(customer_id: int, *, by: Any = None) -> int:
    """How many orders of any status the customer has (the order_customer_time index); for
    staff limited to shops ``by``, in their shops."""
    return limit_orders(Order.objects.filter(customer_id=customer_id), staff_shop_ids(by)).count()


def _order_parts() -> dict[str, QuerySet]:
    """Each list ``orders_for_customer`` gives an order -> the parts in it, in their order."""
    return {
        "shown_lines": OrderLine.objects.all(),
        "shown_shipments": Shipment.objects.order_by("shipped_at"),
        "shown_returns": Return.objects.all(),
        "shown_refunds": Refund.objects.all(),
        "shown_withdrawals": Withdrawal.objects.all(),
    }


# The customer page's first page of orders for staff of every shop (the common case) and
# their parts, compiled once (core/compiled.py): at most ORDERS_READ orders (a page and one
# more, which tells a next page exists).
ORDERS_READ = 21
_NEWEST_ORDERS = CompiledRead(
    lambda customer_id: (
        Order.objects.filter(customer_id=customer_id)
        .select_related("shop")
        .order_by("-placed_at", "-id")[:ORDERS_READ]
    ),
    customer_id=ID,
)
_PARTS = {
    name: CompiledRead(
        lambda ids, name=name: _order_parts()[name].filter(order_id__in=ids), ids=IDS
    )
    for name in (
        "shown_lines",
        "shown_shipments",
        "shown_returns",
        "shown_refunds",
        "shown_withdrawals",
    )
}


def orders_for_customer(
    customer_id: int, *, limit: int = 20, offset: int = 0, by: Any = None
) -> list[Order]:
    """A customer's orders, newest first: up to ``limit`` from ``offset`` (a page of the
    customer page's order box); for staff limited to shops ``by``, only the orders of their
    shops. Each order has its parts as lists, as ``Prefetch(to_attr=...)`` gives them:
    ``shown_lines``, ``shown_shipments``, ``shown_returns``, ``shown_refunds``,
    ``shown_withdrawals``."""
    shop_ids = staff_shop_ids(by)
    if shop_ids is None and offset == 0 and limit <= ORDERS_READ:
        orders = _NEWEST_ORDERS.fetch(customer_id=customer_id)[:limit]
        ids = [order.pk for order in orders]
        for name, read in _PARTS.items():
            parts_of: dict[int, list] = defaultdict(list)
            for part in read.fetch(ids=ids):
                parts_of[part.order_id].append(part)
            for order in orders:
                parts = parts_of.get(order.pk, [])
                for part in parts:
                    part._meta.get_field("order").set_cached_value(part, order)
                setattr(order, name, parts)
        return orders
    orders = limit_orders(Order.objects.filter(customer_id=customer_id), shop_ids)
    relations = {
        "shown_lines": "lines",
        "shown_shipments": "shipments",
        "shown_returns": "returns",
        "shown_refunds": "refunds",
        "shown_withdrawals": "withdrawals",
    }
    parts = [
        Prefetch(relations[name], queryset=queryset, to_attr=name)
        for name, queryset in _order_parts().items()
    ]
    return list(
        orders.select_related("shop")
        .prefetch_related(*parts)
        .order_by("-placed_at", "-id")[offset : offset + limit]
    )


_ORDER_SUMMARIES = CompiledRead(
    lambda ids: (
        counted_orders()
        .filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(count=Count("id"), revenue=Sum("total"), last=Max("placed_at"))
    ),
    ids=IDS,
)


def order_summaries(customer_ids: list[int]) -> dict[int, dict]:
    """Order count, revenue and last order per customer, for a page of a customer list."""
    rows = _ORDER_SUMMARIES.fetch(ids=customer_ids)
    return {row["customer_id"]: row for row in rows}


@dataclass(frozen=True)
class RecentOrders:
    """Orders and revenue of the last days, for the home page."""

    days: int
    order_count: int
    revenue: Decimal


def recent_orders(*, days: int = 30) -> RecentOrders:
    """Count and revenue of the counted orders placed in the last ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    totals = (
        counted_orders()
        .filter(placed_at__gte=since)
        .aggregate(count=Count("id"), revenue=Sum("total"))
    )
    return RecentOrders(
        days=days, order_count=totals["count"] or 0, revenue=totals["revenue"] or Decimal("0")
    )


_SHOP_NAMES = CompiledRead(lambda: Shop.objects.order_by("name", "pk").values_list("pk", "name"))


def shop_names() -> list[tuple[int, str]]:
    """Every shop's id and name, by name: the choices of a shop selector (a handful of rows)."""
    return _SHOP_NAMES.fetch()
