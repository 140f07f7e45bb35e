"""``stammkunde import``: exit codes, messages, the default shop and the error file."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

import stammkunde.connectors
from stammkunde.shop.models import Order, Platform, Shop

pytestmark = pytest.mark.django_db

SAMPLES = Path(stammkunde.connectors.__file__).parent / "samples"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sample_orders_go_into_the_csv_import_shop_created_on_demand(tmp_path):
    output = run("orders", str(SAMPLES / "orders.csv"), "--errors", str(tmp_path / "e.csv"))

    shop = Shop.objects.get(name="CSV import")
    assert shop.platform == Platform.CSV
    assert Order.objects.filter(shop=shop).count() == 4
    assert "5 rows read, 5 imported, 0 rejected" in output
    assert not (tmp_path / "e.csv").exists()


def test_rejected_rows_still_end_with_success_and_name_the_error_file(write_csv, shop):
    path = write_csv("order_number;placed_at;quantity;unit_price\n1;24.12.2024;1;-1\n")

    output = run("orders", str(path), "--shop", shop.slug)

    assert "1 rejected" in output
    assert f"{path}.errors.csv" in output
    assert (
        Path(f"{path}.errors.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith('"2","unit_price",')
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG file, not a CSV file"),
        (b"email;shoe_size\na@example.de;42\n", "Unknown columns: shoe_size"),
    ],
)
def test_unreadable_files_fail_with_one_clear_line(tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message) as raised:
        run("customers", str(path))
    assert "\n" not in str(raised.value)


def test_an_unknown_shop_is_refused(write_csv):
    with pytest.raises(CommandError, match="no shop"):
        path = write_csv("order_number;placed_at;quantity;unit_price\n1;24.12.2024;1;1\n")
        run("orders", str(path), "--shop", "nope")


def test_the_cli_exits_non_zero_without_a_traceback(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    env = {"STAMMKUNDE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    result = subprocess.run(
        [sys.executable, "-m", "stammkunde", "import", "customers", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # One line naming the file, in whatever language the installation speaks.
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        line for line in result.stderr.splitlines() if "picture.csv" in line
    ]


def test_a_reading_process_that_dies_ends_the_import_with_one_clear_line(
    write_csv, shop, monkeypatch
):
    from stammkunde.connectors.csv_import import order_rows, orders

    path = write_csv(
        "order_number;placed_at;quantity;unit_price\n"
        + "".join(f"{n};01.03.2025;1;2,50\n" for n in range(1, 40))
    )
    batches = order_rows.OrderRowReader.batches

    def read_one_batch_then_die(self, *args):
        reading = batches(self, *args)
        yield next(reading)
        raise MemoryError("out of memory")

    monkeypatch.setattr(orders, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(order_rows.OrderRowReader, "batches", read_one_batch_then_die)

    with pytest.raises(CommandError) as failure:
        run("orders", str(path), "--shop", shop.slug, "--batch-size", "10")

    message = str(failure.value)
    assert "reading the file stopped unexpectedly (MemoryError: out of memory)" in message
    assert "run the import again" in message
    # The first batch (the first ones are small: 5,000 or the batch size) was written.
    assert Order.objects.filter(shop=shop).count() == 10
