"""Importing orders from CSV: lines, totals, customers, rejections and idempotence."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.connectors.csv_import.reading import UnreadableFile
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderLine, OrderStatus, ShopAccount
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.conftest import ORDER_HEADER

pytestmark = pytest.mark.django_db

GOOD = f"""{ORDER_HEADER};shipping;status
1001;24.12.2024 10:00;Anna@Example.de;K1;ESP;Espresso 1 kg;2;24,90;4,90;
1002;2024-12-27 09:30:00;;;FIL;Filter 500 g;1;9,50;;
1001;24.12.2024 10:00;anna@example.de;K1;FIL;Filter 500 g;1;1.009,50;;
1003;2025-01-03;ben@example.de;;ESP;Espresso 1 kg;3;24,90;;cancelled
"""


def counts():
    return (
        Customer.objects.count(),
        Order.objects.count(),
        OrderLine.objects.count(),
        ShopAccount.objects.count(),
        Activity.objects.count(),
        sorted(Order.objects.values_list("total", flat=True)),
    )


def read_errors(path):
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_orders_get_their_lines_totals_and_customers(write_csv, run_import, shop):
    summary = run_import("orders", write_csv(GOOD))

    assert (summary.rows, summary.accepted, summary.rejected) == (4, 4, 0)
    first = Order.objects.get(external_id="1001")
    assert [(line.line_number, line.sku) for line in first.lines.all()] == [(1, "ESP"), (2, "FIL")]
    assert first.subtotal == Decimal("1059.30")
    assert first.total == Decimal("1064.20")
    assert first.placed_at == datetime(2024, 12, 24, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert first.currency == "EUR"
    anna = Customer.objects.get(email="anna@example.de")
    assert first.customer == anna
    assert ShopAccount.objects.get(shop=shop, external_id="K1").customer == anna
    assert Order.objects.get(external_id="1002").customer is None
    assert Order.objects.get(external_id="1003").status == OrderStatus.CANCELLED


def test_importing_the_same_file_twice_changes_nothing(write_csv, run_import):
    path = write_csv(GOOD)
    run_import("orders", path)
    before = counts()

    summary = run_import("orders", path)

    assert counts() == before
    assert (summary.orders_created, summary.lines_created, summary.customers_created) == (0, 0, 0)


def test_small_batches_give_the_same_result_as_one(write_csv, run_import):
    run_import("orders", write_csv(GOOD), batch_size=1)

    assert Order.objects.get(external_id="1001").total == Decimal("1064.20")
    assert OrderLine.objects.count() == 4
    assert Customer.objects.count() == 2


def test_timeline_gets_order_placed_and_customer_created_once(write_csv, run_import):
    path = write_csv(GOOD)
    run_import("orders", path)
    run_import("orders", path)

    order = Order.objects.get(external_id="1001")
    placed = Activity.objects.get(dedupe_key=f"order:{order.pk}:placed")
    assert placed.kind == ActivityKind.ORDER_PLACED
    assert placed.customer == order.customer
    assert Activity.objects.filter(kind=ActivityKind.ORDER_PLACED).count() == 2
    assert Activity.objects.filter(kind=ActivityKind.CUSTOMER_CREATED).count() == 2
    # Facts, not a sentence; the line and the source read in the reader's language.
    assert placed.params == {"number": order.number}
    assert placed.actor_label == "csv_import"
    with translation.override("de"):
        assert (placed.summary, placed.actor_name) == (
            f"Bestellung {order.number} aufgegeben",
            "CSV-Import",
        )
    with translation.override("en"):
        assert (placed.summary, placed.actor_name) == (f"Order {order.number} placed", "CSV import")


def test_each_run_writes_one_audit_entry(write_csv, run_import):
    run_import("orders", write_csv(GOOD))

    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert "4 rows" in entry.detail


def test_bad_rows_are_reported_with_line_column_and_reason_and_good_rows_kept(
    write_csv, run_import, tmp_path
):
    path = write_csv(
        f"""{ORDER_HEADER}
2001;24.12.2024;a@example.de;;ESP;Espresso;-2;24,90
2002;24.12.2099;a@example.de;;ESP;Espresso;1;24,90
2003;24.12.2024;a@example.de;;ESP;Espresso;1;-5,00
2004;24.12.2024;a@example.de;;ESP;Espresso;eins;24,90
2005;24.12.2024;a@example.de;;ESP;Espresso;1;zehn
2006;gestern;a@example.de;;ESP;Espresso;1;24,90
2007;24.12.2024;kein-at;;ESP;Espresso;1;24,90
2008;24.12.2024;a@example.de;;ESP;Espresso;1
;24.12.2024;a@example.de;;ESP;Espresso;1;1,00
2009;24.12.2024;a@example.de;;ESP;Espresso;1;24,90
"""
    )

    summary = run_import("orders", path)

    assert (summary.accepted, summary.rejected) == (1, 9)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["2009"]
    errors = read_errors(tmp_path / "errors.csv")
    assert [(row["line"], row["column"]) for row in errors] == [
        ("2", "quantity"),
        ("3", "placed_at"),
        ("4", "unit_price"),
        ("5", "quantity"),
        ("6", "unit_price"),
        ("7", "placed_at"),
        ("8", "customer_email"),
        ("9", ""),
        ("10", "order_number"),
    ]
    reasons = [row["reason"] for row in errors]
    assert "negative" in reasons[0]
    assert "future" in reasons[1]
    assert "negative" in reasons[2]
    assert "not a number" in reasons[3]
    assert "8 fields" in reasons[7] or "7 fields" in reasons[7]


def test_a_rejected_line_never_lands_partly(write_csv, run_import):
    path = write_csv(
        f"""{ORDER_HEADER}
3001;24.12.2024;a@example.de;;ESP;Espresso;1;10,00
3001;24.12.2024;a@example.de;;FIL;Filter;1;-1,00
"""
    )
    run_import("orders", path)

    order = Order.objects.get(external_id="3001")
    assert list(order.lines.values_list("sku", flat=True)) == ["ESP"]
    assert order.total == Decimal("10.00")


def test_fixing_a_rejected_row_and_importing_again_adds_only_that_line(write_csv, run_import):
    rows = (
        "3101;24.12.2024;;;A;A;1;1,00\n"
        "3101;24.12.2024;;;B;B;1;{price}\n"
        "3101;24.12.2024;;;C;C;1;3,00\n"
    )
    run_import("orders", write_csv(ORDER_HEADER + "\n" + rows.format(price="x")))
    run_import("orders", write_csv(ORDER_HEADER + "\n" + rows.format(price="2,00")))

    order = Order.objects.get(external_id="3101")
    assert list(order.lines.values_list("line_number", "sku")) == [(1, "A"), (2, "B"), (3, "C")]
    assert order.total == Decimal("6.00")


def test_rows_of_one_order_need_not_be_contiguous(write_csv, run_import):
    path = write_csv(
        f"""{ORDER_HEADER}
4001;24.12.2024;;;A;A;1;1,00
4002;24.12.2024;;;B;B;1;2,00
4001;24.12.2024;;;C;C;2;3,00
"""
    )
    run_import("orders", path, batch_size=2)

    assert Order.objects.get(external_id="4001").total == Decimal("7.00")
    assert Order.objects.count() == 2


def test_emails_differing_only_in_case_are_one_customer(write_csv, run_import):
    path = write_csv(
        f"""{ORDER_HEADER}
5001;24.12.2024;Max@Example.DE;;A;A;1;1,00
5002;24.12.2024;max@example.de;;A;A;1;1,00
"""
    )
    run_import("orders", path, batch_size=1)

    assert Customer.objects.count() == 1
    assert Order.objects.filter(customer__email="max@example.de").count() == 2


def test_unknown_columns_refuse_the_whole_file_before_writing(write_csv, run_import):
    path = write_csv(f"{ORDER_HEADER};colour\n6001;24.12.2024;;;A;A;1;1,00;blue\n")

    with pytest.raises(UnreadableFile, match="Unknown columns: colour"):
        run_import("orders", path)
    assert Order.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_missing_required_columns_refuse_the_file(write_csv, run_import):
    with pytest.raises(UnreadableFile, match="missing: placed_at"):
        run_import("orders", write_csv("order_number;quantity;unit_price\n1;1;1\n"))


def test_a_latin1_export_is_imported_with_its_umlauts(write_csv, run_import):
    path = write_csv(
        f"{ORDER_HEADER}\n7001;24.12.2024;;;K;Kaffeemühle;1;49,00\n", encoding="cp1252"
    )
    run_import("orders", path)

    assert OrderLine.objects.get().name == "Kaffeemühle"


def test_a_json_mapping_renames_columns(write_csv, run_import, tmp_path):
    mapping = tmp_path / "shopx.json"
    mapping.write_text(
        '{"kind": "orders", "columns": {"Bestellnummer": "order_number", "Datum": "placed_at",'
        ' "Menge": "quantity", "Preis": "unit_price"}, "ignore": ["Notiz"], "currency": "CHF"}'
    )
    path = write_csv("Bestellnummer;Datum;Menge;Preis;Notiz\n8001;24.12.2024;2;3,50;egal\n")

    run_import("orders", path, mapping=str(mapping))

    order = Order.objects.get(external_id="8001")
    assert (order.total, order.currency) == (Decimal("7.00"), "CHF")


def test_an_unknown_mapping_name_is_refused(write_csv, run_import):
    with pytest.raises(UnreadableFile, match="Unknown mapping"):
        run_import("orders", write_csv(GOOD), mapping="no-such-preset")


def test_an_order_with_a_merged_away_address_lands_on_the_survivor(write_csv, run_import, agent):
    from stammkunde.customers.merging import merge_customers

    survivor = Customer.objects.create(email="anna@example.de", first_name="Anna")
    duplicate = Customer.objects.create(email="a.old@example.de", first_name="Anna")
    merge_customers(survivor, duplicate, by=agent)

    row = "2001;2025-02-01;A.Old@example.de;;ESP;E;1;9"
    run_import("orders", write_csv(f"{ORDER_HEADER}\n{row}\n"))

    assert Order.objects.get(external_id="2001").customer_id == survivor.pk
    assert not Customer.objects.filter(email="a.old@example.de").exists()


def test_an_order_with_the_shop_id_of_a_merged_away_customer_lands_on_the_survivor(
    write_csv, run_import, shop
):
    from stammkunde.customers.models import CustomerStatus
    from stammkunde.shop.models import ShopAccount

    survivor = Customer.objects.create(email="bea@example.de", first_name="Bea")
    merged = Customer.objects.create(email="b.alt@example.de", first_name="Bea")
    ShopAccount.objects.create(shop=shop, external_id="K77", customer=merged)
    # A partial merge that left the shop account on the merged customer.
    Customer.objects.filter(pk=merged.pk).update(status=CustomerStatus.MERGED, merged_into=survivor)

    row = "2002;2025-02-01;;K77;ESP;E;1;9"
    run_import("orders", write_csv(f"{ORDER_HEADER}\n{row}\n"))

    assert Order.objects.get(external_id="2002").customer_id == survivor.pk
