"""Reads of shop data: customer search across profiles and orders, key figures, order lists."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from stammkunde.core.keys import prefix_range
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import customer_ids_matching, record_list_view
from stammkunde.shop.models import (
    Order,
    OrderStatus,
    Return,
    Shipment,
    Shop,
    ShopAccount,
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
    customers = Customer.objects.in_bulk(ids[:limit])
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
    orders = limit_orders(Order.objects.exclude(customer_id=None), shop_ids)
    scans = [orders.filter(number__in={number, f"#{number}"})]
    if len(number) >= MIN_NUMBER_ENDING and any(ch.isdigit() for ch in number):
        # The end of a number is a prefix of its reversed copy (the order_number_reversed index).
        low, high = prefix_range(reversed_number(number))
        ending = orders.filter(number_reversed__gte=low, number_reversed__lt=high)
        scans.append(ending.order_by("number_reversed"))
    accounts = ShopAccount.objects.filter(external_id__in={number, number.upper()})
    if shop_ids is not None:
        accounts = accounts.filter(shop_id__in=shop_ids)
    found: list[int] = []
    for scan in [*scans, accounts]:
        for customer_id in scan.values_list("customer_id", flat=True)[:limit]:
            if customer_id not in found:
                found.append(customer_id)
    return found


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


def key_figures(customer_id: int, *, by: Any = None) -> KeyFigures:
    """Order count, revenue, basket value, reorder interval and returns of one customer
    (for staff limited to shops ``by``: of the orders in their shops)."""
    orders = limit_orders(Order.objects.filter(customer_id=customer_id), staff_shop_ids(by))
    # One pass over the customer's orders (the order_customer_time index) with filtered
    # aggregates instead of a query per figure: the 360 page is opened on every call.
    counted = ~Q(status=OrderStatus.CANCELLED) & Q(is_test=False)
    totals = orders.aggregate(
        count=Count("id", filter=counted),
        revenue=Sum("total", filter=counted),
        refunded=Sum("refunded_total", filter=counted),
        first=Min("placed_at", filter=counted),
        last=Max("placed_at", filter=counted),
        low_currency=Min("currency", filter=counted),
        high_currency=Max("currency", filter=counted),
        cancelled=Count("id", filter=Q(status=OrderStatus.CANCELLED)),
        every=Count("id"),
    )
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
        return_count=Return.objects.filter(order__in=orders).count(),
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


def orders_for_customer(
    customer_id: int, *, limit: int = 20, offset: int = 0, by: Any = None
) -> list[Order]:
    """A customer's orders with lines, shipments, returns and withdrawals, newest first: up to
    ``limit`` from ``offset`` (a page of the customer page's order box); for staff limited to
    shops ``by``, only the orders of their shops."""
    orders = limit_orders(Order.objects.filter(customer_id=customer_id), staff_shop_ids(by))
    return list(
        orders.select_related("shop")
        .prefetch_related(
            "lines",
            Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at")),
            "returns",
            "refunds",
            "withdrawals",
        )
        .order_by("-placed_at", "-id")[offset : offset + limit]
    )


def order_summaries(customer_ids: list[int]) -> dict[int, dict]:
    """Order count, revenue and last order per customer, for a page of a customer list."""
    rows = (
        counted_orders()
        .filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(count=Count("id"), revenue=Sum("total"), last=Max("placed_at"))
    )
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


def shop_names() -> list[tuple[int, str]]:
    """Every shop's id and name, by name: the choices of a shop selector (a handful of rows)."""
    return list(Shop.objects.order_by("name", "pk").values_list("pk", "name"))
