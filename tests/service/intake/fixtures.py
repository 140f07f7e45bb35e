"""The 80 real messages of tests/fixtures/emails/ (SOURCES.md there) and their expectations."""

from __future__ import annotations

import csv
from pathlib import Path

EMAILS = Path(__file__).resolve().parents[2] / "fixtures" / "emails"


def expected_rows() -> list[dict[str, str]]:
    with (EMAILS / "expected.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def raw(name: str) -> bytes:
    return (EMAILS / name).read_bytes()
