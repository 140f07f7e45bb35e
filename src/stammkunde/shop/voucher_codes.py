"""Voucher codes and the voucher file for the shop (no database).

Codes are read aloud on the phone and typed from paper: no letters that look alike (0/O,
1/I/L), grouped by four. 32 symbols, eight random ones: about 10^12 codes, so a guessed code
is worthless and a collision (checked by the unique index anyway) practically never happens.

The file follows what German Excel opens without a wizard: UTF-8 with BOM, ``;`` between
fields, every field quoted, decimal comma, dates as ``TT.MM.JJJJ``, and no cell that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_SYMBOLS = 8
DEFAULT_PREFIX = "KUL"
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
HEADER = ("code", "type", "amount", "currency", "single_use", "valid_until", "customer_email")
_CODE = re.compile(r"[A-Z0-9-]{4,32}")


def new_code(prefix: str = DEFAULT_PREFIX) -> str:
    """A fresh random code such as ``KUL-7Q4X-M9TB``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    groups = [symbols[index : index + 4] for index in range(0, RANDOM_SYMBOLS, 4)]
    return "-".join([prefix, *groups]) if prefix else "-".join(groups)


def normalize_code(value: str) -> str:
    """How a code is compared: upper case, no spaces; "" when it cannot be one of ours."""
    code = "".join((value or "").split()).upper()
    return code if _CODE.fullmatch(code) else ""


@dataclass(frozen=True)
class VoucherRow:
    code: str
    kind: str
    amount: Decimal
    currency: str
    valid_until: date | None
    customer_email: str


def safe_cell(value: object) -> str:
    """The cell's text; one a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def german_amount(value: Decimal) -> str:
    """``1234.5`` -> ``1234,50``: the decimal comma German Excel reads as a number."""
    return f"{value:.2f}".replace(".", ",")


def voucher_csv(rows: Iterable[VoucherRow], *, header: Sequence[str] = HEADER) -> str:
    """The voucher file as text (with BOM); encode it as UTF-8."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                safe_cell(row.code),
                safe_cell(row.kind),
                german_amount(row.amount),
                safe_cell(row.currency),
                "1",
                row.valid_until.strftime("%d.%m.%Y") if row.valid_until else "",
                safe_cell(row.customer_email),
            ]
        )
    return buffer.getvalue()
