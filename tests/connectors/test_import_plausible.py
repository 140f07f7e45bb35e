"""CSV rows with a time or an amount no shop could mean are rejected with line and column.

Then a fuzz test: hypothesis writes order rows with generated cells (year-1 times, offsets of
+14:00, huge and odd amounts, wrong field counts, quotes) and imports them through the real
importer: it never raises, every row is accepted or rejected with its line, and the lines
written are exactly the rows accepted.
"""

from __future__ import annotations

import csv
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderLine
from tests.connectors.conftest import ORDER_HEADER

pytestmark = pytest.mark.django_db


def read_errors(path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return [(row["line"], row["column"], row["reason"]) for row in csv.DictReader(handle)]


def test_implausible_times_and_amounts_are_rejected_with_line_and_column(
    write_csv, run_import, tmp_path
):
    path = write_csv(
        f"""{ORDER_HEADER}
7001;0001-01-01T00:00:00+14:00;a@example.de;;ESP;Espresso;1;24,90
7002;1969-12-31 23:00;a@example.de;;ESP;Espresso;1;24,90
7003;24.12.2024;a@example.de;;ESP;Espresso;1;1000000000000,00
7004;24.12.2024;a@example.de;;ESP;Espresso;100000;999999999,00
7005;0001-01-01;a@example.de;;ESP;Espresso;1;24,90
7006;24.12.2024;a@example.de;;ESP;Espresso;1;24,90
"""
    )

    summary = run_import("orders", path)

    assert (summary.accepted, summary.rejected) == (1, 5)
    assert list(Order.objects.values_list("external_id", flat=True)) == ["7006"]
    assert read_errors(tmp_path / "errors.csv") == [
        ("2", "placed_at", "The date 0001-01-01T00:00:00+14:00 is out of range."),
        ("3", "placed_at", "The date 1969-12-31 23:00 is before 1970-01-01."),
        ("4", "unit_price", "The amount 1000000000000,00 is too large."),
        ("5", "unit_price", "The line total 99999999900000.00 is too large."),
        # Berlin's local mean time (+00:53) on 1 January of year 1 has no UTC moment.
        ("6", "placed_at", "The date 0001-01-01 is out of range."),
    ]


def test_a_birthday_before_1900_is_rejected(write_csv, run_import, tmp_path):
    path = write_csv("email;birthday\nalt@example.de;01.01.0001\njung@example.de;04.05.1921\n")

    summary = run_import("customers", path)

    assert (summary.accepted, summary.rejected) == (1, 1)
    assert read_errors(tmp_path / "errors.csv") == [
        ("2", "birthday", "The date 01.01.0001 is before 1900-01-01.")
    ]
    assert list(Customer.objects.values_list("email", flat=True)) == ["jung@example.de"]


# --- fuzz ------------------------------------------------------------------------------------

TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "31.12.9999 23:59",
    "01.01.0001",
    "1970-01-01T00:30:00+01:00",
    "2024-12-24 10:00",
    "24.12.2024",
    "2999-01-01",
    "",
]
AMOUNTS = ["1e400", "NaN", "-0,01", "999.999.999.999,99", "1.000.000.000.000", "0", "24,90", ""]
cell_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
cells = st.fixed_dictionaries(
    {
        "order": st.sampled_from(["8001", "8002", "8003", ""]),
        "placed_at": st.sampled_from(TIMES) | cell_text,
        "email": st.sampled_from(["a@example.de", "", "kein-at", "B@Example.DE"]),
        "quantity": st.sampled_from(["1", "2", "-1", "0", "100000", "2000000001", "1,5"])
        | cell_text,
        "unit_price": st.sampled_from(AMOUNTS) | cell_text,
        # Rows with fewer or more fields than the header, or a stray quote.
        "shape": st.sampled_from(["ok", "ok", "ok", "short", "long", "quote"]),
    }
)
FILES = itertools.count(1)


def clean(cell: str) -> str:
    """A generated cell without separators, quotes and line breaks (the shapes come apart)."""
    return cell.replace(";", ",").replace('"', "").replace("\n", " ").replace("\r", " ")


def row_text(row: dict) -> str:
    fields = [row["order"], row["placed_at"], row["email"], "", "ESP", "Espresso"]
    fields += [row["quantity"], row["unit_price"]]
    text = ";".join(clean(field) for field in fields)
    if row["shape"] == "short":
        return text.rsplit(";", 1)[0]
    if row["shape"] == "long":
        return text + ";zu viel"
    if row["shape"] == "quote":
        return text.replace("Espresso", 'Espresso "1 kg"', 1)
    return text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(rows=st.lists(cells, min_size=1, max_size=6))
@example(rows=[{"order": "8001", "placed_at": TIMES[0], "email": "", "quantity": "1",
                "unit_price": "1", "shape": "ok"}])  # fmt: skip
def test_fuzzed_order_rows_are_imported_or_rejected_never_fail(
    write_csv, run_import, tmp_path, rows
):
    # Each example its own order numbers, so the lines written are this file's only.
    prefix = f"F{next(FILES)}-"
    lines = [
        row_text({**row, "order": prefix + row["order"] if row["order"] else ""}) for row in rows
    ]
    errors_path = tmp_path / f"errors-{prefix}.csv"
    lines_before = OrderLine.objects.count()

    summary = run_import("orders", write_csv(ORDER_HEADER + "\n" + "\n".join(lines) + "\n"),
                         errors_path=errors_path)  # fmt: skip

    assert summary.accepted + summary.rejected == summary.rows == len(rows)
    assert OrderLine.objects.count() - lines_before == summary.accepted
    rejected = read_errors(errors_path) if summary.rejected else []
    assert len(rejected) == summary.rejected
    assert all(2 <= int(line) <= len(rows) + 1 and reason for line, _column, reason in rejected)


customer_cells = st.fixed_dictionaries(
    {
        "email": st.sampled_from(["a@example.de", "", "kein-at", "B@Example.DE"]) | cell_text,
        "birthday": st.sampled_from(["01.01.0001", "31.12.9999", "1899-12-31", "04.05.1921", ""])
        | cell_text,
        "newsletter": st.sampled_from(["ja", "nein", "x", "vielleicht", ""]),
        "language": st.sampled_from(["de", "en", "", "deutsch-lang"]) | cell_text,
    }
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(rows=st.lists(customer_cells, min_size=1, max_size=5))
def test_fuzzed_customer_rows_are_imported_or_rejected_never_fail(
    write_csv, run_import, tmp_path, rows
):
    prefix = f"F{next(FILES)}-"
    lines = [
        ";".join(
            clean(cell)
            for cell in (
                prefix + row["email"] if "@" in row["email"] else row["email"],
                row["birthday"],
                row["newsletter"],
                row["language"],
            )
        )
        for row in rows
    ]
    errors_path = tmp_path / f"errors-{prefix}.csv"

    summary = run_import(
        "customers",
        write_csv("email;birthday;newsletter;language\n" + "\n".join(lines) + "\n"),
        errors_path=errors_path,
    )

    # Blank rows (every cell empty) are skipped, as Excel's trailing ";;;" rows are.
    written = [line for line in lines if line.replace(";", "").strip()]
    assert summary.accepted + summary.rejected == summary.rows == len(written)
    assert len(read_errors(errors_path) if summary.rejected else []) == summary.rejected
    assert not Customer.objects.filter(birthday__lt="1900-01-01").exists()
