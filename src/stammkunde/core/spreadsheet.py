"""CSV files that open correctly in Excel, the one writer of every CSV the product hands out.

German Excel opens a CSV by double-click as Windows-1252 with ``;`` as separator unless the file
starts with a UTF-8 byte order mark; without it umlauts break, with ``,`` every row lands in one
column. So each file here is UTF-8 with BOM, ``;``-separated for German readers (``,`` for
English ones, or what the caller chooses), every field quoted, lines ending in CRLF.

A quoted field is still run as a formula by Excel when it starts with ``=``, ``+``, ``-``, ``@``,
tab or CR (CSV injection: a customer named ``=cmd|' /C calc'!A0``). Such text gets a leading
apostrophe, which Excel shows as text; so does text that starts so after spaces or line breaks
(LibreOffice's import trims spaces when asked) or with a full-width sign (U+FF1D, U+FF0B,
U+FF0D, U+FF20), which spreadsheets of East Asian locales may read as the ASCII one. Numbers,
dates and amounts the product itself computed are written in the reader's format and never
touched (a negative amount stays a number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone, translation

BOM = "\ufeff"
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The signs a formula starts with once leading whitespace is trimmed, full-width ones included.
_FORMULA_SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SEPARATORS = {"semicolon": ";", "comma": ",", "tab": "\t"}


def separator_for(language: str | None = None) -> str:
    """``;`` for German readers (their Excel splits on it), ``,`` for everyone else."""
    language = (language or translation.get_language() or "de").lower()
    return ";" if language.startswith("de") else ","


def choose_separator(choice: str | None, language: str | None = None) -> str:
    """The separator named by ``choice`` (``semicolon``, ``comma``, ``tab``), else the
    language's (``separator_for``); an unknown choice falls back to the language's too."""
    return SEPARATORS.get((choice or "").strip().lower(), separator_for(language))


def safe_text(value: object) -> str:
    """The text of a cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) or text.lstrip().startswith(_FORMULA_SIGNS):
        return "'" + text
    return text


def cell(value: Any, *, separator: str = ";") -> str:
    """One value as a cell: text made safe (``safe_text``); numbers, amounts, dates and times
    in the reader's format (decimal comma where ``;`` separates, as German Excel reads them)."""
    if value is None:
        return ""
    comma = separator == ";"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (Decimal, float)):
        text = f"{value:.2f}" if isinstance(value, Decimal) else repr(round(value, 6))
        return text.replace(".", ",") if comma else text
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%d.%m.%Y %H:%M" if comma else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y" if comma else "%Y-%m-%d")
    return safe_text(value)


class SpreadsheetWriter:
    """Writes rows of values (``cell`` formats each) as Excel-safe CSV to a text stream.

    ``bom`` writes the byte order mark first (not when appending to a file that has one).
    """

    def __init__(self, handle: TextIO | None = None, *, separator: str = ";", bom: bool = True):
        self.separator = separator
        self._buffer = io.StringIO() if handle is None else None
        self._handle = handle if handle is not None else self._buffer
        self._writer = csv.writer(
            self._handle, delimiter=separator, quoting=csv.QUOTE_ALL, lineterminator="\r\n"
        )
        if bom:
            self._handle.write(BOM)

    def row(self, values: Iterable[Any]) -> None:
        """Write one row."""
        separator = self.separator
        self._writer.writerow([cell(value, separator=separator) for value in values])

    def take(self) -> str:
        """What was written since the last take (only for a writer without its own handle)."""
        assert self._buffer is not None, "take() reads the writer's own buffer"
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def stream_rows(
    header: Sequence[str], rows: Iterable[Iterable[Any]], *, separator: str = ";"
) -> Iterator[bytes]:
    """The file as UTF-8 chunks (BOM, header, then about 100 rows a chunk), for a streaming
    download."""
    writer = SpreadsheetWriter(separator=separator)
    writer.row(header)
    pending = 0
    for values in rows:
        writer.row(values)
        pending += 1
        if pending >= 100:
            yield writer.take().encode("utf-8")
            pending = 0
    yield writer.take().encode("utf-8")


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]], *, separator: str = ";") -> str:
    """The whole file as text, BOM first; encode it as UTF-8."""
    writer = SpreadsheetWriter(separator=separator)
    writer.row(header)
    for values in rows:
        writer.row(values)
    return writer.take()


def open_file(
    path: Path, *, separator: str = ";", append: bool = False
) -> tuple[TextIO, SpreadsheetWriter]:
    """Open ``path`` for writing (or appending, without a second BOM) and a writer on it."""
    handle = path.open("a" if append else "w", encoding="utf-8", newline="")
    return handle, SpreadsheetWriter(handle, separator=separator, bom=not append)


def read_rows(text: str) -> list[list[str]]:
    """Read back a file written here (tests, previews): BOM removed, separator detected."""
    text = text.removeprefix(BOM)
    first = text.split("\r\n", 1)[0]
    separator = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
