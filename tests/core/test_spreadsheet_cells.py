"""Text cells that a spreadsheet would run as a formula are written as text (core/spreadsheet.py,
OWASP's CSV injection): every export (segment, vouchers, the import's error file) writes its
cells through ``cell``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.core.spreadsheet import cell, csv_text, read_rows


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","Klick")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        # after spaces or a line break: LibreOffice trims spaces on import when asked
        ' =HYPERLINK("http://evil.example")',
        "\n=1+1",
        "\u00a0+1+1",
        # full-width signs, read as the ASCII ones by East Asian spreadsheets
        '\uff1dHYPERLINK("http://evil.example")',
        "\uff0b1\uff0b1",
        "\uff20SUM(1)",
    ],
)
def test_a_formula_is_written_as_text(text):
    assert cell(text) == "'" + text
    assert read_rows(csv_text(["Name"], [[text]]))[1] == ["'" + text]


@pytest.mark.parametrize("text", ["Müller", "Max;Moritz", "1+1=2", "a-b", "info@example.de"])
def test_ordinary_text_is_kept(text):
    assert cell(text) == text


def test_numbers_the_product_computed_stay_numbers():
    assert cell(Decimal("-7.50"), separator=";") == "-7,50"
    assert cell(-3) == "-3"
