"""A customer's key figures (``key_figures``): the compiled read for staff of every shop gives
what the aggregate over the orders gives (the path of staff limited to shops)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stammkunde.shop.models import OrderStatus, Return
from stammkunde.shop.queries import key_figures
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_counted_orders_cancelled_ones_and_returns():
    customer = CustomerFactory()
    now = timezone.now()
    first = OrderFactory(
        customer=customer, placed_at=now - timedelta(days=20), total=Decimal("10.00")
    )
    OrderFactory(customer=customer, placed_at=now - timedelta(days=10), total=Decimal("30.50"))
    OrderFactory(customer=customer, status=OrderStatus.CANCELLED, total=Decimal("99.00"))
    OrderFactory(customer=customer, is_test=True, total=Decimal("5.00"))
    OrderFactory(total=Decimal("7.00"))  # someone else's
    Return.objects.create(order=first, reason="damaged", announced_at=now)

    figures = key_figures(customer.pk)

    assert figures.order_count == 2
    assert figures.revenue == Decimal("40.50")
    assert figures.average_basket == Decimal("20.25")
    assert figures.cancelled_count == 1
    assert figures.all_orders == 4
    assert figures.return_count == 1
    assert figures.currency == "EUR"
    assert figures.mean_reorder_interval_days == 10.0
    assert figures.days_since_last_order == 10


def test_a_customer_without_orders_has_empty_figures():
    figures = key_figures(CustomerFactory().pk)

    assert (figures.order_count, figures.all_orders, figures.return_count) == (0, 0, 0)
    assert figures.revenue == Decimal("0")
    assert figures.currency == ""
    assert figures.first_order_at is None and figures.average_basket is None
