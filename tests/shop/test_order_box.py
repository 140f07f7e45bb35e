"""The customer page's order box (``orders_for_customer``): each order with its parts as
lists, the same whether the read is the compiled one (staff of every shop, the first page) or
the queryset (another page, staff limited to shops)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stammkunde.shop.models import Refund, Return, Shipment, Withdrawal
from stammkunde.shop.queries import orders_for_customer
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

PARTS = ("shown_lines", "shown_shipments", "shown_returns", "shown_refunds", "shown_withdrawals")


def _described(orders):
    return [
        (
            order.number,
            order.shop.name,
            [(line.line_number, line.name) for line in order.shown_lines],
            [shipment.tracking_number for shipment in order.shown_shipments],
            [ret.reason for ret in order.shown_returns],
            [refund.amount for refund in order.shown_refunds],
            [withdrawal.channel for withdrawal in order.shown_withdrawals],
        )
        for order in orders
    ]


@pytest.fixture
def buyer():
    customer = CustomerFactory()
    now = timezone.now()
    old = OrderFactory(customer=customer, number="1001", placed_at=now - timedelta(days=9))
    new = OrderFactory(customer=customer, number="1002", placed_at=now - timedelta(days=2))
    OrderFactory(customer=customer, number="1003", placed_at=now - timedelta(days=5))
    OrderFactory(number="9999")  # another customer's
    OrderLineFactory(order=new, line_number=2, name="Filter")
    OrderLineFactory(order=new, line_number=1, name="Bohnen")
    OrderLineFactory(order=old, line_number=1, name="Tasse")
    Shipment.objects.create(order=new, tracking_number="T-2", shipped_at=now - timedelta(days=1))
    Shipment.objects.create(order=new, tracking_number="T-1", shipped_at=now - timedelta(days=2))
    Return.objects.create(order=old, reason="damaged", announced_at=now)
    Refund.objects.create(order=old, amount=Decimal("4.20"), currency="EUR", refunded_at=now)
    Withdrawal.objects.create(order=old, channel="email", declared_at=now)
    return customer


def test_every_order_has_its_parts_in_their_order(buyer):
    [new, middle, old] = _described(orders_for_customer(buyer.pk))

    assert new[0] == "1002" and new[2] == [(1, "Bohnen"), (2, "Filter")]
    assert new[3] == ["T-1", "T-2"]
    assert middle[0] == "1003" and middle[2:] == ([], [], [], [], [])
    assert old[0] == "1001" and old[2] == [(1, "Tasse")]
    assert old[4:] == (["damaged"], [Decimal("4.20")], ["email"])


def test_the_compiled_page_and_the_queryset_agree(buyer):
    first_page = orders_for_customer(buyer.pk, limit=3)
    # An offset takes the queryset: the same orders from the second on.
    later = orders_for_customer(buyer.pk, limit=3, offset=1)

    assert _described(later) == _described(first_page)[1:]
    assert all(part.order is order for order in first_page for part in order.shown_lines)


def test_the_parts_come_with_the_page_not_per_order(buyer):
    orders_for_customer(buyer.pk)  # compiled here
    with CaptureQueriesContext(connection) as queries:
        orders = orders_for_customer(buyer.pk)
        _described(orders)

    # The orders with their shops, then one read per kind of part.
    assert len(queries) == 1 + len(PARTS)


def test_a_page_beyond_the_orders_is_empty():
    customer = CustomerFactory()

    assert orders_for_customer(customer.pk) == []
    assert orders_for_customer(customer.pk, offset=20) == []
