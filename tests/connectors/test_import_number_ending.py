"""Orders imported from a file can be found by the end of their number (issue 15)."""

from __future__ import annotations

import pytest

from stammkunde.shop.models import Order
from stammkunde.shop.queries import find_customers
from tests.connectors.conftest import ORDER_HEADER

pytestmark = pytest.mark.django_db


def test_imported_orders_carry_their_reversed_number(write_csv, run_import):
    path = write_csv(
        f"""{ORDER_HEADER}
110234;24.12.2024;a@example.de;;ESP;Espresso;2;24,90
"""
    )
    run_import("orders", path)
    order = Order.objects.get(number="110234")
    assert order.number_reversed == "432011"
    assert [customer.email for customer in find_customers("10234")] == ["a@example.de"]
