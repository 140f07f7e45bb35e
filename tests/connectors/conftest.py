"""Helpers for the CSV import tests: write a file, import it."""

from __future__ import annotations

from pathlib import Path

import pytest

from stammkunde.connectors.csv_import.services import import_file

ORDER_HEADER = (
    "order_number;placed_at;customer_email;customer_id;sku;product_name;quantity;unit_price"
)


@pytest.fixture
def write_csv(tmp_path):
    """Write text to a CSV file (Windows line ends, as Excel saves) and return its path."""

    def write(text: str, *, name: str = "data.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
        return path

    return write


@pytest.fixture
def run_import(shop, tmp_path):
    """Import a file into the test shop; the error file goes to tmp_path/errors.csv."""

    def run(kind: str, path: Path, **options):
        options.setdefault("errors_path", tmp_path / "errors.csv")
        return import_file(kind, path, shop=options.pop("shop", shop), **options)

    return run


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever the installation's default language."""
    from django.utils import translation

    with translation.override("en"):
        yield
