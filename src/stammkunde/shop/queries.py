"""Reads of shop data: customer search across profiles and orders, key figures, order lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Min, Prefetch, QuerySet, Sum
from django.utils import timezone

from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import customer_ids_matching
from stammkunde.shop.models import Order, OrderStatus, Return, Shipment

SEARCH_LIMIT = 50


def counted_orders() -> QuerySet[Order]:
    """Orders that count for key figures: neither cancelled nor test orders."""
    return Order.objects.exclude(status=OrderStatus.CANCELLED).filter(is_test=False)


def find_customers(term: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers matching a search term: e-mail, name or phone prefix, or an order number.

    A merged-away customer is never shown; an order number of a merged customer leads to the
    surviving one.
    """
    term = (term or "").strip()[:200]
    if not term:
        return []
    ids: list[int] = []
    number = term.lstrip("#")
    if number:
        for customer_id in (
            Order.objects.filter(number__in={number, f"#{number}"})
            .exclude(customer_id=None)
            .values_list("customer_id", flat=True)[:limit]
        ):
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
        if customer is not None and customer not in resolved:
            resolved.append(customer)
    return resolved


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

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.refunded


def key_figures(customer_id: int) -> KeyFigures:
    """Order count, revenue, basket value, reorder interval and returns of one customer."""
    orders = counted_orders().filter(customer_id=customer_id)
    totals = orders.aggregate(
        count=Count("id"),
        revenue=Sum("total"),
        refunded=Sum("refunded_total"),
        first=Min("placed_at"),
        last=Max("placed_at"),
    )
    currencies = list(orders.values_list("currency", flat=True).distinct()[:2])
    count = totals["count"] or 0
    revenue = totals["revenue"] or Decimal("0")
    first, last = totals["first"], totals["last"]
    interval = None
    if count >= 2 and first and last:
        interval = (last - first).total_seconds() / 86400 / (count - 1)
    return KeyFigures(
        order_count=count,
        revenue=revenue,
        refunded=totals["refunded"] or Decimal("0"),
        currency=currencies[0] if len(currencies) == 1 else ("" if not currencies else "*"),
        average_basket=(revenue / count).quantize(Decimal("0.01")) if count else None,
        first_order_at=first,
        last_order_at=last,
        days_since_last_order=(timezone.now() - last).days if last else None,
        mean_reorder_interval_days=round(interval, 1) if interval is not None else None,
        return_count=Return.objects.filter(order__customer_id=customer_id).count(),
        cancelled_count=Order.objects.filter(
            customer_id=customer_id, status=OrderStatus.CANCELLED
        ).count(),
    )


def orders_for_customer(customer_id: int, *, limit: int = 20) -> list[Order]:
    """A customer's latest orders with lines, shipments, returns and withdrawals, newest first."""
    return list(
        Order.objects.filter(customer_id=customer_id)
        .select_related("shop")
        .prefetch_related(
            "lines",
            Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at")),
            "returns",
            "refunds",
            "withdrawals",
        )
        .order_by("-placed_at", "-id")[:limit]
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
