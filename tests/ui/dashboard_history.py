"""The shop history the dashboard tests score: customers who order about every 30 days, some of
whom stopped.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, OrderFactory

DASHBOARD = reverse("ui:dashboard")


def shop_history(customers: int, *, offset_days: int = 0) -> None:
    """Customers who order about every 30 days; every third stopped two to three months ago
    (so their churn alarm went off within the last month)."""
    now = timezone.now()
    for index in range(customers):
        customer = CustomerFactory()
        last = (75 + index % 10) if index % 3 == 0 else (2 + index % 20)
        for number in range(2 + index % 6):
            OrderFactory(
                customer=customer,
                placed_at=now - timedelta(days=offset_days + last + 30 * number + index % 4),
                total=Decimal(20 + 10 * ((index + number) % 5)),
            )


def months_back(day: date, count: int) -> date:
    """The first of the month ``count`` months before ``day``'s (after it, if negative)."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)
