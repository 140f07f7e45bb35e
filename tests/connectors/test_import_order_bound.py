"""An order's total stays below the bound of ``plausible.check_amount`` even when each of its
lines does: the CSV import rejects the line that would push it there (line, column, reason),
imports everything else, and a second run changes nothing; refunds never sum past it."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.applying import ApplyError, apply_events
from stammkunde.shop.models import Order, OrderLine, Refund
from tests.connectors.conftest import ORDER_HEADER

pytestmark = pytest.mark.django_db

REASON = (
    "With this line the total of order {number} would reach 1000000000000, more than an "
    "order can hold."
)


def read_errors(path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return [(row["line"], row["column"], row["reason"]) for row in csv.DictReader(handle)]


def totals() -> dict[str, tuple[Decimal, Decimal]]:
    rows = Order.objects.values_list("external_id", "subtotal", "total")
    return {number: (subtotal, total) for number, subtotal, total in rows}


def test_lines_summing_past_the_bound_are_rejected_the_rest_imported(
    write_csv, run_import, tmp_path
):
    # 8001: two different lines, the second pushes it past the bound (full path); 8003: the
    # same cells three times, the third takes the fast path until it would reach the bound;
    # its fourth line is small enough again.
    path = write_csv(
        f"""{ORDER_HEADER}
8001;24.12.2024;a@example.de;;GOLD;Gold;1;600000000000,00
8002;24.12.2024;b@example.de;;ESP;Espresso;2;24,90
8001;24.12.2024;a@example.de;;GOLD;Gold;1;500000000000,00
8001;24.12.2024;a@example.de;;ESP;Espresso;1;24,90
8003;24.12.2024;c@example.de;;GOLD;Gold;1;400000000000,00
8003;24.12.2024;c@example.de;;GOLD;Gold;1;400000000000,00
8003;24.12.2024;c@example.de;;GOLD;Gold;1;400000000000,00
8003;24.12.2024;c@example.de;;ESP;Espresso;1;199999999999,99
"""
    )

    summary = run_import("orders", path)

    assert (summary.rows, summary.accepted, summary.rejected) == (8, 6, 2)
    assert read_errors(tmp_path / "errors.csv") == [
        ("4", "unit_price", REASON.format(number="8001")),
        ("8", "unit_price", REASON.format(number="8003")),
    ]
    expected = {
        "8001": (Decimal("600000000024.90"), Decimal("600000000024.90")),
        "8002": (Decimal("49.80"), Decimal("49.80")),
        "8003": (Decimal("999999999999.99"), Decimal("999999999999.99")),
    }
    assert totals() == expected
    # The rejected lines keep their positions within their orders.
    assert sorted(OrderLine.objects.values_list("order__external_id", "line_number")) == [
        ("8001", 1),
        ("8001", 3),
        ("8002", 1),
        ("8003", 1),
        ("8003", 2),
        ("8003", 4),
    ]

    again = run_import("orders", path)

    assert (again.accepted, again.rejected) == (6, 2)
    assert (again.orders_created, again.lines_created) == (0, 0)
    assert totals() == expected
    assert OrderLine.objects.count() == 6


def test_refunds_never_sum_past_the_order_total_or_the_bound(write_csv, run_import, shop):
    path = write_csv(
        f"""{ORDER_HEADER}
8101;24.12.2024;a@example.de;;GOLD;Gold;1;999999999999,99
"""
    )
    assert run_import("orders", path).accepted == 1

    def refund(external_id: str, amount: str) -> ev.RefundRecorded:
        return ev.RefundRecorded(
            order_external_id="8101",
            external_id=external_id,
            amount=Decimal(amount),
            currency="EUR",
            refunded_at=datetime(2024, 12, 28, tzinfo=UTC),
        )

    apply_events(shop, [refund("r1", "600000000000.00")])
    # The delivery is refused with its reason (the inbox parks it), not by the database.
    with pytest.raises(ApplyError, match="Refunds would exceed the order total"):
        apply_events(shop, [refund("r2", "600000000000.00")])

    order = Order.objects.get(external_id="8101")
    assert order.refunded_total == Decimal("600000000000.00")
    assert list(Refund.objects.values_list("external_id", flat=True)) == ["r1"]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_later_file_cannot_push_a_stored_order_past_the_bound(
    write_csv, run_import, tmp_path, parallel
):
    first = write_csv(
        f"""{ORDER_HEADER}
8201;24.12.2024;a@example.de;;GOLD;Gold;1;900000000000,00
8201;24.12.2024;a@example.de;;GOLD;Gold;1;50000000000,00
8202;24.12.2024;b@example.de;;ESP;Espresso;1;24,90
""",
        name="first.csv",
    )
    assert run_import("orders", first).accepted == 3
    # Lines are known by their position in the order: 8201's first two rows are stored (the
    # file's small amounts are not the stored ones, so the reading's sum stays far below the
    # bound); its third would push the stored total to the bound, its fourth still fits.
    second = write_csv(
        f"""{ORDER_HEADER}
8201;24.12.2024;a@example.de;;ESP;Espresso;1;24,90
8201;24.12.2024;a@example.de;;ESP;Espresso;1;24,90
8201;24.12.2024;a@example.de;;GOLD;Gold;1;60000000000,00
8201;24.12.2024;a@example.de;;GOLD;Gold;1;49999999999,99
8202;24.12.2024;b@example.de;;ESP;Espresso;0;24,90
8202;24.12.2024;b@example.de;;ESP;Espresso;2;24,90
""",
        name="second.csv",
    )

    summary = run_import("orders", second, parallel=parallel)

    assert (summary.rows, summary.accepted, summary.rejected) == (6, 4, 2)
    assert summary.lines_created == 2
    assert read_errors(tmp_path / "errors.csv") == [
        ("6", "quantity", "The quantity is 0."),
        # The writer's rejections follow the reading's.
        ("4", "unit_price", REASON.format(number="8201")),
    ]
    expected = {
        "8201": (Decimal("999999999999.99"), Decimal("999999999999.99")),
        "8202": (Decimal("74.70"), Decimal("74.70")),
    }
    assert totals() == expected

    again = run_import("orders", second, parallel=parallel)

    assert (again.accepted, again.rejected, again.lines_created) == (4, 2, 0)
    assert totals() == expected
    assert OrderLine.objects.count() == 5
