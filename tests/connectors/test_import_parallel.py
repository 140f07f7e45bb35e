"""Order import with the rows read in a forked child process (large files, ``parallel=True``).

The child reads and checks; this process writes. Both ways must leave the same orders, lines,
totals and timeline, and report the same rejections with the same line numbers.
"""

from __future__ import annotations

import csv
import os
import signal

import pytest

from stammkunde.connectors.csv_import import forked
from stammkunde.shop.models import Order, Platform, Shop
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.conftest import ORDER_HEADER

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not forked.available(), reason="the child is forked on Linux only"),
]


def sample_rows() -> str:
    """Orders over many batches: repeated cells, guests, a cancellation, and bad rows."""
    rows = []
    for order in range(1, 41):
        email = f"kunde{order % 7}@example.de" if order % 5 else ""
        customer = f"K{order % 7}" if order % 5 else ""
        for line in range(1, order % 4 + 2):
            quantity = "x" if (order, line) == (9, 2) else str(line)
            price = "-1,00" if (order, line) == (17, 1) else f"{order},{line}0"
            rows.append(
                f"{order};0{order % 9 + 1}.03.2025 1{line}:00;{email};{customer};SKU-{line};"
                f"Produkt {line};{quantity};{price}"
            )
    rows.insert(30, "41;kein Datum;a@example.de;;S;S;1;1,00")
    rows.insert(50, "42;01.03.2025;a@example.de;;S;S;1;1,00;zu viel")
    return "\n".join([ORDER_HEADER, *rows]) + "\n"


def order_state(shop: Shop) -> list[tuple]:
    return [
        (
            order.external_id,
            order.status,
            order.placed_at,
            order.customer.email if order.customer else None,
            order.subtotal,
            order.total,
            [
                (line.line_number, line.sku, line.name, line.quantity, line.unit_price, line.total)
                for line in order.lines.order_by("line_number")
            ],
        )
        for order in Order.objects.filter(shop=shop)
        .select_related("customer")
        .prefetch_related("lines")
        .order_by("external_id")
    ]


def read_errors(path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return [(row["line"], row["column"], row["reason"]) for row in csv.DictReader(handle)]


def test_reading_in_a_child_gives_what_reading_here_gives(write_csv, run_import, tmp_path):
    path = write_csv(sample_rows())
    other_shop = Shop.objects.create(name="Zweiter Laden", slug="zwei", platform=Platform.CSV)
    progress: list[int] = []

    forked_summary = run_import(
        "orders",
        path,
        batch_size=4,
        parallel=True,
        errors_path=tmp_path / "forked.csv",
        progress=progress.append,
    )
    here_summary = run_import(
        "orders",
        path,
        shop=other_shop,
        batch_size=4,
        parallel=False,
        errors_path=tmp_path / "here.csv",
    )

    shop = Shop.objects.get(slug="kaffee")
    assert order_state(shop) == order_state(other_shop)
    assert len(order_state(shop)) == 40
    for field in ("rows", "accepted", "rejected", "orders", "orders_created", "lines_created"):
        assert getattr(forked_summary, field) == getattr(here_summary, field), field
    assert forked_summary.rejected == 4
    assert forked_summary.rejections == here_summary.rejections
    assert read_errors(tmp_path / "forked.csv") == read_errors(tmp_path / "here.csv")
    # Line 1 is the header; the bad rows are the ones sample_rows spoils.
    spoiled = [
        str(number)
        for number, text in enumerate(sample_rows().splitlines(), start=1)
        if any(mark in text for mark in (";x;", "-1,00", "kein Datum", "zu viel"))
    ]
    assert [line for line, _column, _reason in read_errors(tmp_path / "forked.csv")] == spoiled
    # The customers were created by the first import and found again by the second.
    assert forked_summary.customers_created == 7
    assert here_summary.customers_created == 0
    placed = Activity.objects.filter(
        kind=ActivityKind.ORDER_PLACED, subject_id__in=Order.objects.filter(shop=shop).values("pk")
    )
    assert placed.count() == Order.objects.filter(shop=shop, customer__isnull=False).count()
    assert progress == sorted(progress)
    assert progress[-1] == path.stat().st_size


def test_importing_the_same_file_again_in_a_child_changes_nothing(write_csv, run_import):
    path = write_csv(sample_rows())
    run_import("orders", path, batch_size=5, parallel=True)
    before = order_state(Shop.objects.get(slug="kaffee"))

    again = run_import("orders", path, batch_size=7, parallel=True)

    assert order_state(Shop.objects.get(slug="kaffee")) == before
    assert (again.orders_created, again.lines_created, again.customers_created) == (0, 0, 0)


def numbers():
    yield from range(3)


def test_the_producer_hands_over_items_and_the_result_of_the_child():
    items = forked.Producer(numbers, lambda: "fertig")

    assert list(items) == [0, 1, 2]
    assert items.result == "fertig"


def failing():
    yield 1
    raise ValueError("Zeile kaputt")


def test_an_error_in_the_child_is_raised_here_with_its_traceback():
    producer = forked.Producer(failing, lambda: None)
    seen = []

    with pytest.raises(forked.ChildFailed, match="ValueError: Zeile kaputt"):
        for item in producer:
            seen.append(item)

    producer.close()
    assert seen == [1]


def dying():
    yield 1
    os.kill(os.getpid(), signal.SIGKILL)
    yield 2


def test_a_child_that_dies_is_reported_not_waited_for():
    producer = forked.Producer(dying, lambda: None)

    with pytest.raises(forked.ChildFailed, match="exit code -9"):
        list(producer)


def endless():
    number = 0
    while True:
        number += 1
        yield number


def test_closing_early_stops_the_child():
    producer = forked.Producer(endless, lambda: None)
    for item in producer:
        if item == 3:
            break

    producer.close()

    assert producer._process is not None
    assert not producer._process.is_alive()
