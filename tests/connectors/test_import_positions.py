"""Every rejected row counts for its order's line positions, also one the CSV parser could not
read or one with the wrong number of fields (docs/IMPORT.md): fixing it and importing again
puts exactly that line in its place. And bytes that are not text in an explicitly given
encoding are reported with their line, not read as replacement characters."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from stammkunde.connectors.csv_import import forked
from stammkunde.connectors.csv_import.reading import UnreadableFile
from stammkunde.shop.models import Order, OrderLine
from tests.connectors.conftest import ORDER_HEADER

pytestmark = pytest.mark.django_db

ROWS = "3201;24.12.2024;;;A;Äpfel;1;1,00\n{middle}\n3201;24.12.2024;;;C;Cashews;1;3,00\n"
FIXED = "3201;24.12.2024;;;B;Bohnen 1 kg;1;2,00"
SPOILED = {
    # An unquoted separator in the product name: one field too many.
    "too many fields": "3201;24.12.2024;;;B;Bohnen; 1 kg;1;2,00",
    # A cut-off row: two fields too few.
    "too few fields": "3201;24.12.2024;;;B;Bohnen 1 kg",
    # A quote inside a quoted field: the csv module cannot read the row at all.
    "unreadable": '3201;24.12.2024;;;B;"Bohnen "1 kg"";1;2,00',
}


def read_errors(path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return [(row["line"], row["column"], row["reason"]) for row in csv.DictReader(handle)]


def lines_of(number: str) -> list[tuple[int, str, Decimal]]:
    return list(
        OrderLine.objects.filter(order__external_id=number)
        .order_by("line_number")
        .values_list("line_number", "sku", "total")
    )


@pytest.mark.parametrize("spoiled", sorted(SPOILED))
@pytest.mark.parametrize("parallel", [False, True])
def test_fixing_a_row_rejected_before_its_cells_were_read_adds_exactly_that_line(
    write_csv, run_import, tmp_path, spoiled, parallel
):
    if parallel and not forked.available():
        pytest.skip("the child is forked on Linux only")
    first = run_import(
        "orders",
        write_csv(ORDER_HEADER + "\n" + ROWS.format(middle=SPOILED[spoiled])),
        parallel=parallel,
    )
    assert (first.accepted, first.rejected) == (2, 1)
    assert [line for line, _column, _reason in read_errors(tmp_path / "errors.csv")] == ["3"]
    assert lines_of("3201") == [(1, "A", Decimal("1.00")), (3, "C", Decimal("3.00"))]

    second = run_import(
        "orders", write_csv(ORDER_HEADER + "\n" + ROWS.format(middle=FIXED)), parallel=parallel
    )

    assert second.lines_created == 1
    assert lines_of("3201") == [
        (1, "A", Decimal("1.00")),
        (2, "B", Decimal("2.00")),
        (3, "C", Decimal("3.00")),
    ]
    assert Order.objects.get(external_id="3201").total == Decimal("6.00")


def test_an_unreadable_row_spanning_lines_counts_once(write_csv, run_import, tmp_path):
    # The stray quote opens a field that runs to the end of the file: the csv module reads
    # the rest as one row it cannot parse.
    text = ORDER_HEADER + '\n3301;24.12.2024;;;A;A;1;1,00\n3301;24.12.2024;;;B;"B\n3302;x\n'

    summary = run_import("orders", write_csv(text))

    assert (summary.accepted, summary.rejected) == (1, 1)
    assert [(line, column) for line, column, _ in read_errors(tmp_path / "errors.csv")] == [
        ("4", "")
    ]
    assert "Malformed CSV row" in read_errors(tmp_path / "errors.csv")[0][2]


def test_bytes_that_are_not_text_in_the_given_encoding_are_reported_with_their_line(
    tmp_path, run_import
):
    path = tmp_path / "orders.csv"
    body = ROWS.format(middle=FIXED).replace("Bohnen", "Bohnen für Müller")
    # The file is Windows-1252, but the user says UTF-8: "ü" is the byte 0xFC, no UTF-8.
    path.write_bytes((ORDER_HEADER + "\n" + body).encode("cp1252"))

    summary = run_import("orders", path, encoding="utf-8")

    assert (summary.accepted, summary.rejected) == (1, 2)
    assert read_errors(tmp_path / "errors.csv") == [
        ("2", "", "The row has bytes that are not utf-8 text (0xC4)."),
        ("3", "", "The row has bytes that are not utf-8 text (0xFC)."),
    ]
    assert not OrderLine.objects.filter(name__contains="\ufffd").exists()

    fixed = run_import("orders", path, encoding="cp1252")

    assert fixed.lines_created == 2
    assert [sku for _number, sku, _total in lines_of("3201")] == ["A", "B", "C"]
    assert OrderLine.objects.get(sku="B").name == "Bohnen für Müller 1 kg"


def test_a_header_that_is_not_text_in_the_given_encoding_refuses_the_file(tmp_path, run_import):
    path = tmp_path / "orders.csv"
    path.write_bytes(("Bestellnummer;Größe\n1;2\n").encode("cp1252"))

    with pytest.raises(UnreadableFile, match=r"header line has bytes .* \(0xF6 0xDF\)"):
        run_import("orders", path, encoding="utf-8")


def test_a_file_without_a_given_encoding_is_still_read_as_windows_1252(tmp_path, run_import):
    path = tmp_path / "orders.csv"
    path.write_bytes((ORDER_HEADER + "\n" + ROWS.format(middle=FIXED)).encode("cp1252"))

    summary = run_import("orders", path)

    assert (summary.accepted, summary.rejected) == (3, 0)
    assert OrderLine.objects.get(sku="A").name == "Äpfel"
