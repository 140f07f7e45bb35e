"""Opening a CSV file: refuse what is not CSV, find encoding and separator, stream the rows.

Memory stays constant: the file is read in chunks twice at most (once to check that it decodes,
once to import), never held whole. ``.gz`` files are read through gzip transparently.
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

CHUNK = 1 << 20
SEPARATORS = (";", ",", "\t", "|")
# What surrogateescape makes of bytes that are not text in the file's encoding.
_UNDECODABLE = re.compile("[\udc80-\udcff]+")

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
    # Whether rows are checked for bytes that are not text in ``encoding`` (an explicit one).
    check_bytes: bool = False
    _errors: str = field(default="strict", repr=False)
    # The last row that could not be read: its first and last line, or its cells.
    _rejected: tuple[int, int, list[str] | None] = field(default=(0, 0, None), repr=False)
    # A second reading of the file, for ``salvage`` only.
    _again: io.TextIOWrapper | None = field(default=None, repr=False)
    _again_line: int = field(default=0, repr=False)

    @property
    def position(self) -> int:
        """Bytes of the file consumed so far (compressed bytes for .gz), for progress bars."""
        return self._raw.tell()

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """Yield ``(line, cells, problem)``; a row that cannot be read has cells None and a
        problem (the reason for the error file): the csv module could not parse it, or (with
        an explicit encoding) it holds bytes that are not text in that encoding.
        ``salvage()`` then gives what can be read of it."""
        reader = self._reader
        check_bytes = self.check_bytes
        # The csv reader's line count after the previous row: where a row it fails on began.
        end = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                line = reader.line_num  # type: ignore[attr-defined]
                self._rejected = (end + 1, line, None)
                end = line
                yield (
                    line + 1,
                    None,
                    _("Malformed CSV row: %(error)s") % {"error": csv_problem(error)},
                )
                continue
            end = reader.line_num  # type: ignore[attr-defined]
            # Blank lines, e.g. Excel's trailing ";;;;" rows, are skipped; a row whose first
            # cell has text (nearly every row) needs no joining to tell.
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue
            if check_bytes and (undecodable := _UNDECODABLE.search("".join(cells))):
                # surrogateescape kept each byte that is no text as U+DC80..U+DCFF.
                self._rejected = (0, 0, cells)
                yield (
                    end + 1,
                    None,
                    _("The row has bytes that are not %(encoding)s text (%(byte)s).")
                    % {"encoding": self.encoding, "byte": _byte_text(undecodable.group())},
                )
                continue
            # +1: the header line was read before the csv reader started counting.
            yield end + 1, cells, ""

    def salvage(self) -> list[str]:
        """The cells of the last row ``rows`` could not read, as far as they can be read (a
        lenient parse of its lines, read again from the file); [] if nothing can be read.

        An order's line positions count its rejected rows too, so the importer needs the order
        number of a row it rejects; this costs a second pass over the file only for such rows.
        """
        first, last, cells = self._rejected
        if cells is not None:
            return cells
        text = self._lines(first, last)
        try:
            return next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter), [])
        except csv.Error:
            return []

    def _lines(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` after the header (as the csv reader counts them)."""
        if self._again is None or self._again_line >= first:
            if self._again is not None:
                self._again.close()
            raw = self.path.open("rb")
            self._again = io.TextIOWrapper(
                _decompressed(raw), encoding=self.encoding, errors=self._errors, newline=""
            )
            self._again.readline()  # the header
            self._again_line = 0
        parts = []
        for text in self._again:
            self._again_line += 1
            if self._again_line >= first:
                parts.append(text)
            if self._again_line >= last:
                break
        return "".join(parts)

    def close(self) -> None:
        """Close the underlying file."""
        self._text.close()
        self._raw.close()
        if self._again is not None:
            self._again.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def csv_problem(error: csv.Error) -> str:
    """What the csv module's (English) error means, in the user's language."""
    text = str(error)
    if text.startswith("field larger than field limit"):
        return _(
            "a field is longer than %(limit)d characters (probably a quote mark that is never "
            "closed)"
        ) % {"limit": csv.field_size_limit()}
    if "NUL" in text:
        return _("the row contains a NUL byte")
    if "expected after" in text:
        return _("a quote mark inside a quoted field is not doubled")
    if "new-line character" in text:
        return _("a line break inside a field that is not quoted")
    return text


def file_problem(error: OSError) -> str:
    """Why a file cannot be opened, in the user's language (not the system's English)."""
    reasons = {
        errno.ENOENT: _("the file does not exist"),
        errno.EACCES: _("no permission to read it"),
        errno.EISDIR: _("it is a folder, not a file"),
    }
    return reasons.get(error.errno, error.strerror or str(error))


def _byte_text(undecodable: str) -> str:
    """The bytes behind surrogateescape's characters, as ``0xE4 0xFC``."""
    return " ".join(f"0x{ord(char) - 0xDC00:02X}" for char in undecodable[:8])


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
            _("Cannot open %(path)s: %(reason)s") % {"path": path, "reason": file_problem(error)}
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
        explicit = bool(encoding)
        if not encoding:
            stream.seek(0)
            encoding = _detect_encoding(stream)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UnreadableFile(_("Unknown encoding “%(name)s”.") % {"name": encoding}) from None
        # An encoding given by the user is taken at its word: a row with bytes that are not
        # text in it is rejected with its line (surrogateescape marks such bytes, see rows),
        # not read with replacement characters. A detected encoding reads every byte.
        errors = "surrogateescape" if explicit else "replace"
        stream = _decompressed(raw)
        text = io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
        header_line = text.readline()
        delimiter = delimiter or _sniff_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        header = [name.strip().lstrip("\ufeff").strip() for name in header]
        if not any(header):
            raise UnreadableFile(_("The file has no header line."))
        if explicit and (undecodable := _UNDECODABLE.search("".join(header))):
            raise UnreadableFile(
                _("The header line has bytes that are not %(encoding)s text (%(byte)s).")
                % {"encoding": encoding, "byte": _byte_text(undecodable.group())}
            )
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
        check_bytes=explicit,
        _errors=errors,
    )
