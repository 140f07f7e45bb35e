"""What a German shop exports from Excel imports without a mapping file: German headers,
``;``, Windows-1252 or UTF-8 with BOM, ``7,50 €``, German status words, two-digit years; and
what is ambiguous is reported per row, never guessed."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from stammkunde.connectors.csv_import.reading import UnreadableFile
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderLine, OrderStatus, ShopAccount

pytestmark = pytest.mark.django_db

# As German Excel saves "CSV (Trennzeichen-getrennt)": ";", decimal comma, € sign in the
# cells, German headers and status words, dates with two-digit years.
EXCEL_EXPORT = """\
Bestellnummer;Datum;Kundennummer;E-Mail;Vorname;Nachname;Artikel;Menge;Preis;Status
10234;24.12.24 10:15;K-1001;anna@example.de;Anna;Müller;Espresso 1 kg;2;7,50 €;bezahlt
10234;24.12.24 10:15;K-1001;anna@example.de;Anna;Müller;Filter Größe 4;3;1.009,95 €;bezahlt
10235;02.01.2025;;joerg@example.de;Jörg;Weiß;Tasse;1;12,00 €;storniert
10236;03.01.25;K-1002;ben@example.de;Ben;Öz;Mühle;1;89,90 €;versendet
"""


def read_errors(path, delimiter=","):
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_german_excel_export_imports_to_the_cent_without_a_mapping(
    write_csv, run_import, shop, encoding
):
    path = write_csv(EXCEL_EXPORT, encoding=encoding)

    summary = run_import("orders", path)

    assert (summary.rows, summary.accepted, summary.rejected) == (4, 4, 0)
    totals = dict(Order.objects.values_list("external_id", "total"))
    # 2 x 7.50 + 3 x 1009.95 = 3044.85; the cancelled order keeps its amount but no revenue.
    assert totals == {
        "10234": Decimal("3044.85"),
        "10235": Decimal("12.00"),
        "10236": Decimal("89.90"),
    }
    statuses = dict(Order.objects.values_list("external_id", "status"))
    assert statuses == {
        "10234": OrderStatus.PAID,
        "10235": OrderStatus.CANCELLED,
        "10236": OrderStatus.SHIPPED,
    }
    placed = Order.objects.get(external_id="10234").placed_at
    assert (placed.year, placed.month, placed.day) == (2024, 12, 24)
    assert Order.objects.get(external_id="10236").placed_at.year == 2025
    assert OrderLine.objects.filter(name="Filter Größe 4").get().quantity == 3
    anna = Customer.objects.get(email="anna@example.de")
    assert (anna.first_name, anna.last_name) == ("Anna", "Müller")
    assert ShopAccount.objects.get(external_id="K-1001").customer == anna
    assert Customer.objects.get(email="joerg@example.de").last_name == "Weiß"


def test_ambiguous_amounts_and_customer_numbers_are_reported_not_guessed(
    write_csv, run_import, tmp_path
):
    path = write_csv(
        "Bestellnummer;Datum;Kundennummer;Menge;Preis\n"
        "1;01.02.2025;K-1;1;1.234\n"
        "2;01.02.2025;17850,0;1;5,00\n"
        "3;01.02.2025;K-3;1;5,00\n"
    )

    summary = run_import("orders", path)

    assert (summary.accepted, summary.rejected) == (1, 2)
    errors = read_errors(tmp_path / "errors.csv")
    assert [(row["line"], row["column"]) for row in errors] == [
        ("2", "Preis"),
        ("3", "Kundennummer"),
    ]
    assert "ambiguous" in errors[0]["reason"]
    assert "17850,0" in errors[1]["reason"]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["3"]


def test_an_explicit_decimal_separator_resolves_the_ambiguity(write_csv, run_import):
    path = write_csv("Bestellnummer;Datum;Menge;Preis\n1;01.02.2025;1;1.234\n")

    run_import("orders", path, decimal_separator=",")

    assert Order.objects.get().total == Decimal("1234.00")


def test_a_header_only_file_says_so(write_csv, run_import):
    path = write_csv("Bestellnummer;Datum;Menge;Preis\n;;;\n")
    with pytest.raises(UnreadableFile, match="no rows"):
        run_import("orders", path)


def test_a_preset_names_the_headers_it_expects(write_csv, run_import):
    path = write_csv("Bestellnummer;Datum;Menge;Preis\n1;01.02.2025;1;5,00\n")
    with pytest.raises(UnreadableFile, match="expects: InvoiceNo, StockCode"):
        run_import("orders", path, mapping="online-retail")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_mapping_file_saved_by_notepad_is_read(write_csv, run_import, tmp_path, encoding):
    mapping = tmp_path / "mapping.json"
    mapping.write_bytes(
        json.dumps(
            {
                "kind": "orders",
                "columns": {
                    "Beleg": "order_number",
                    "Zeitpunkt": "placed_at",
                    "Stück": "quantity",
                    "Betrag": "unit_price",
                },
                "ignore": ["Währung der Bestellung"],
            },
            ensure_ascii=False,
        ).encode(encoding)
    )
    path = write_csv(
        "Beleg;Zeitpunkt;Stück;Betrag;Währung der Bestellung\n7;01.02.2025;2;3,50 €;EUR\n"
    )

    run_import("orders", path, mapping=str(mapping))

    assert Order.objects.get().total == Decimal("7.00")


def test_the_error_file_opens_in_german_excel(write_csv, run_import, tmp_path):
    from django.utils import translation

    path = write_csv("Bestellnummer;Datum;Menge;Preis\n=1+1;01.02.2025;x;5,00\n")
    with translation.override("de"):
        run_import("orders", path)

    raw = (tmp_path / "errors.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == '"Zeile";"Spalte";"Grund"'
    assert lines[1].startswith('"2";"Menge";"')


def test_file_and_csv_problems_are_told_in_german(write_csv, run_import, tmp_path):
    from django.utils import translation

    with translation.override("de"), pytest.raises(UnreadableFile) as missing:
        run_import("orders", tmp_path / "fehlt.csv")
    assert "existiert nicht" in str(missing.value)
    assert "No such file" not in str(missing.value)

    path = write_csv('Bestellnummer;Datum;Menge;Preis\n1;01.02.2025;1;"5\n' + "x" * 140_000 + "\n")
    with translation.override("de"):
        run_import("orders", path)
    reason = read_errors(tmp_path / "errors.csv", delimiter=";")[0]["Grund"]
    assert "länger als" in reason
    assert "field limit" not in reason


def test_a_german_customer_file_imports_without_a_mapping(write_csv, run_import, shop):
    path = write_csv(
        "Kundennummer;E-Mail;Anrede;Vorname;Nachname;Straße;PLZ;Ort;Geburtstag;Newsletter\n"
        "K-1001;anna@example.de;Frau;Anna;Müller;Hauptstr. 1;80331;München;03.04.85;ja\n",
        encoding="cp1252",
    )

    summary = run_import("customers", path)

    assert (summary.accepted, summary.rejected) == (1, 0)
    anna = Customer.objects.get(email="anna@example.de")
    assert (anna.salutation, anna.first_name, anna.last_name) == ("ms", "Anna", "Müller")
    assert anna.birthday.year == 1985
    assert ShopAccount.objects.get(shop=shop, external_id="K-1001").customer == anna
