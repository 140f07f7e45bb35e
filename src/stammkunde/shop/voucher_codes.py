"""Voucher codes and the voucher file for the shop (no database).

Codes are read aloud on the phone and typed from paper: no letters that look alike (0/O,
1/I/L), grouped by four. 32 symbols, eight random ones: about 10^12 codes, so a guessed code
is worthless and a collision (checked by the unique index anyway) practically never happens.

The file follows what German Excel opens without a wizard: UTF-8 with BOM, ``;`` between
fields, every field quoted, decimal comma, dates as ``TT.MM.JJJJ``, and no cell that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stammkunde.core import spreadsheet

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_SYMBOLS = 8
DEFAULT_PREFIX = "KUL"
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


def voucher_csv(rows: Iterable[VoucherRow], *, header: Sequence[str] = HEADER) -> str:
    """The voucher file as text (with BOM); encode it as UTF-8. Written by the product's one
    Excel-safe CSV writer (``core.spreadsheet``): amounts with decimal comma, dates TT.MM.JJJJ."""
    return spreadsheet.csv_text(
        header,
        (
            (
                row.code,
                row.kind,
                row.amount,
                row.currency,
                "1",
                row.valid_until,
                row.customer_email,
            )
            for row in rows
        ),
        separator=";",
    )
