"""Opening a CSV file: refuse what is not CSV, find encoding and separator, stream the rows.

Memory stays constant: the file is read in chunks twice at most (once to check that it decodes,
once to import), never held whole. ``.gz`` files are read through gzip transparently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

CHUNK = 1 << 20
SEPARATORS = (";", ",", "\t", "|")

# Magic numbers of formats people upload by mistake instead of a CSV export.
BINARY_SIGNATURES = {
    b"\x89PNG": "PNG",
    b"PK\x03\x04": "ZIP/XLSX",
    b"%PDF": "PDF",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\xd0\xcf\x11\xe0": "XLS",
}


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported; the message is one line for the user."""


@dataclass
class CsvSource:
    """An opened CSV file: its header and a stream of (line number, cells) pairs."""

    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    size: int
    _raw: BinaryIO = field(repr=False)
    _text: io.TextIOWrapper = field(repr=False)
    _reader: Iterator[list[str]] = field(repr=False)

    @property
    def position(self) -> int:
        """Bytes of the file consumed so far (compressed bytes for .gz), for progress bars."""
        return self._raw.tell()

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """Yield ``(line, cells, problem)``; a row the csv module cannot parse has cells None."""
        reader = self._reader
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num + 1, None, str(error)  # type: ignore[attr-defined]
                continue
            if not cells or not "".join(cells).strip():
                continue  # blank lines, e.g. Excel's trailing ";;;;" rows
            # +1: the header line was read before the csv reader started counting.
            yield reader.line_num + 1, cells, ""  # type: ignore[attr-defined]

    def close(self) -> None:
        """Close the underlying file."""
        self._text.close()
        self._raw.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decompressed(raw: BinaryIO) -> BinaryIO:
    """The readable content of ``raw`` from its start; gunzipped for .gz files."""
    raw.seek(0)
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else Windows-1252.

    German Excel on Windows saves "CSV" as Windows-1252; every byte sequence decodes as that
    (undefined bytes fall back to Latin-1), so the fallback never fails.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _check_not_binary(head: bytes) -> None:
    for signature, kind in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise UnreadableFile(
                _("This is a %(kind)s file, not a CSV file. Export the data as CSV first.")
                % {"kind": kind}
            )
    if b"\x00" in head:
        raise UnreadableFile(_("This is a binary file, not a CSV file."))


def _sniff_delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def open_csv(path: str | Path, *, encoding: str = "", delimiter: str = "") -> CsvSource:
    """Open a CSV file for import, guessing encoding and separator unless given.

    Raises ``UnreadableFile`` for a missing, empty or binary file or one without a header.
    """
    path = Path(path)
    try:
        raw: BinaryIO = path.open("rb")
    except OSError as error:
        raise UnreadableFile(
            _("Cannot open %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
    try:
        stream = _decompressed(raw)
        try:
            head = stream.read(4096)
        except (OSError, EOFError):
            raise UnreadableFile(_("The file is compressed but damaged.")) from None
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            raise UnreadableFile(_("The file is empty."))
        _check_not_binary(head)
        if not encoding:
            stream.seek(0)
            encoding = _detect_encoding(stream)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UnreadableFile(_("Unknown encoding “%(name)s”.") % {"name": encoding}) from None
        stream = _decompressed(raw)
        text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        header_line = text.readline()
        delimiter = delimiter or _sniff_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        header = [name.strip().lstrip("\ufeff").strip() for name in header]
        if not any(header):
            raise UnreadableFile(_("The file has no header line."))
    except BaseException:
        raw.close()
        raise
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    return CsvSource(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        size=path.stat().st_size,
        _raw=raw,
        _text=text,
        _reader=reader,
    )
