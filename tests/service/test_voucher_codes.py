"""Voucher codes and the shop's voucher file (German Excel conventions) without a database."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from stammkunde.shop.voucher_codes import VoucherRow, new_code, normalize_code, voucher_csv


def test_codes_are_unambiguous_and_differ():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert code.startswith("KUL-")
        assert not set(code[4:]) & set("01OIL")
        assert normalize_code(code.lower()) == code


def test_normalize_refuses_what_cannot_be_a_code():
    assert normalize_code(" kul-abcd-efgh ") == "KUL-ABCD-EFGH"
    assert normalize_code("=cmd|' /C calc'!A0") == ""
    assert normalize_code("") == ""


def test_file_has_bom_semicolons_quotes_and_decimal_comma():
    text = voucher_csv(
        [VoucherRow("KUL-AAAA-BBBB", "amount", Decimal("10.5"), "EUR", date(2027, 3, 31), "a@b.de")]
    )
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    assert (
        lines[0] == '"code";"type";"amount";"currency";"single_use";"valid_until";"customer_email"'
    )
    assert lines[1] == '"KUL-AAAA-BBBB";"amount";"10,50";"EUR";"1";"31.03.2027";"a@b.de"'


def test_no_cell_starts_a_formula():
    text = voucher_csv(
        [VoucherRow("X", "amount", Decimal("1"), "EUR", None, '=HYPERLINK("http://evil")')]
    )
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1][6] == '\'=HYPERLINK("http://evil")'
