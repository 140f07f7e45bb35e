"""Order import: rows that repeat their order's cells, totals summed per batch, stored times.

The importer skips the checks of cells a row shares with the previous accepted row of the same
order; these tests pin that such rows are still rejected, numbered and summed exactly as rows
that go through every check.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from stammkunde.shop.models import Order, OrderLine
from tests.connectors.conftest import ORDER_HEADER
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def read_errors(path):
    with path.open(encoding="utf-8-sig") as handle:
        return [(row["line"], row["column"]) for row in csv.DictReader(handle)]


def test_a_bad_line_between_identical_order_cells_is_rejected_and_keeps_its_position(
    write_csv, run_import, tmp_path
):
    rows = (
        "2001;24.12.2024 10:00;a@example.de;K1;A;A;2;1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;B;B;x;1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;C;C;2;1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;D;D;0;1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;E;E;2;-1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;F;F;-2;1,50\n"
        "2001;24.12.2024 10:00;a@example.de;K1;G;G;1;3,00\n"
    )

    summary = run_import("orders", write_csv(ORDER_HEADER + "\n" + rows))

    assert (summary.accepted, summary.rejected) == (3, 4)
    assert read_errors(tmp_path / "errors.csv") == [
        ("3", "quantity"),
        ("5", "quantity"),
        ("6", "unit_price"),
        ("7", "quantity"),
    ]
    order = Order.objects.get(external_id="2001")
    assert list(order.lines.values_list("line_number", "sku", "quantity")) == [
        (1, "A", 2),
        (3, "C", 2),
        (7, "G", 1),
    ]
    assert order.total == Decimal("9.00")


def test_a_cancellation_and_a_sale_with_the_same_cells_keep_their_own_sign_rules(
    write_csv, run_import, tmp_path
):
    mapping = tmp_path / "cancellations.json"
    mapping.write_text(json.dumps({"kind": "orders", "cancellation_prefix": "C"}))
    rows = (
        "C100;01.12.2024 09:00;;K7;A;A;-6;2,55\n"
        "C100;01.12.2024 09:00;;K7;B;B;-6;2,55\n"
        "101;01.12.2024 09:05;;K7;A;A;-6;2,55\n"
        "101;01.12.2024 09:05;;K7;A;A;6;2,55\n"
        "101;01.12.2024 09:05;;K7;B;B;-6;2,55\n"
        "101;01.12.2024 09:05;;K7;C;C;6;2,55\n"
    )

    summary = run_import("orders", write_csv(ORDER_HEADER + "\n" + rows), mapping=str(mapping))

    assert read_errors(tmp_path / "errors.csv") == [("4", "quantity"), ("6", "quantity")]
    assert summary.accepted == 4
    cancellation = Order.objects.get(external_id="C100")
    assert cancellation.status == "cancelled"
    assert list(cancellation.lines.values_list("quantity", "total")) == [
        (6, Decimal("15.30")),
        (6, Decimal("15.30")),
    ]
    sale = Order.objects.get(external_id="101")
    assert list(sale.lines.values_list("line_number", "quantity")) == [(2, 6), (4, 6)]
    assert sale.total == Decimal("30.60")


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_every_order_total_is_the_sum_of_its_stored_lines_plus_shipping(
    write_csv, run_import, batch_size
):
    rows = []
    for index in range(30):
        number = 5000 + index % 7  # the rows of an order are spread over the file
        day = 1 + index % 7
        price = f"{1 + index % 5},{index % 10}9"
        shipping = "4,90" if number == 5003 else ""
        rows.append(
            f"{number};2024-11-0{day} 12:00;;;S{index};S;{1 + index % 3};{price};{shipping}"
        )
    text = f"{ORDER_HEADER};shipping\n" + "\n".join(rows)

    run_import("orders", write_csv(text), batch_size=batch_size)

    assert OrderLine.objects.count() == 30
    for order in Order.objects.all():
        lines = order.lines.aggregate(sum=Sum("total"))["sum"]
        assert lines == sum(
            (line.unit_price * line.quantity for line in order.lines.all()), Decimal(0)
        )
        assert order.subtotal == lines
        assert order.total == lines + order.shipping_total
    assert Order.objects.get(external_id="5003").shipping_total == Decimal("4.90")


def test_lines_imported_into_an_existing_order_are_added_to_its_stored_total(
    write_csv, run_import, shop
):
    order = OrderFactory(
        shop=shop,
        external_id="6001",
        number="6001",
        subtotal=Decimal("20.00"),
        discount_total=Decimal("5.00"),
        total=Decimal("15.00"),
    )
    OrderLineFactory(
        order=order, line_number=9, unit_price=Decimal("20.00"), total=Decimal("20.00")
    )

    run_import(
        "orders",
        write_csv(ORDER_HEADER + "\n6001;24.12.2024;;;A;A;2;3,00\n6001;24.12.2024;;;B;B;1;4,00\n"),
    )

    order.refresh_from_db()
    assert order.lines.count() == 3
    assert order.subtotal == Decimal("30.00")
    assert order.total == Decimal("25.00")


def test_order_times_are_stored_so_that_the_orm_finds_them(write_csv, run_import):
    rows = (
        "7001;24.12.2024 23:30;;;A;A;1;1,00\n"  # winter time, the next day in UTC
        "7002;2024-07-01 00:15:00;;;A;A;1;1,00\n"  # summer time, the previous day in UTC
        "7003;2024-07-01T12:00:00+05:30;;;A;A;1;1,00\n"
        "7004;2024-03-31 03:00;;;A;A;1;1,00\n"  # the first hour of summer time
    )

    run_import("orders", write_csv(ORDER_HEADER + "\n" + rows))

    berlin = ZoneInfo("Europe/Berlin")
    expected = {
        "7001": datetime(2024, 12, 24, 23, 30, tzinfo=berlin),
        "7002": datetime(2024, 7, 1, 0, 15, tzinfo=berlin),
        "7003": datetime(2024, 7, 1, 6, 30, tzinfo=UTC),
        "7004": datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
    }
    for number, moment in expected.items():
        assert Order.objects.get(placed_at=moment).external_id == number
    assert list(Order.objects.order_by("placed_at").values_list("external_id", flat=True)) == [
        "7004",
        "7002",
        "7003",
        "7001",
    ]
