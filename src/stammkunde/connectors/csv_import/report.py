"""What an import run tells its user: the error file (one row per rejected line) and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.utils import translation
from django.utils.translation import gettext as _

from stammkunde.core import spreadsheet


@dataclass(frozen=True)
class Rejection:
    """One rejected row: its line in the file, the column at fault and why."""

    line: int
    column: str
    reason: str


class ErrorFile:
    """Writes rejections to a CSV file, created on the first rejection only.

    The file opens in the reader's Excel (``core.spreadsheet``): UTF-8 with BOM, ``;`` and
    headers in German for a German run, every field quoted, and a reason or cell that starts
    like a formula is made text. The language is the one active when the file is created.
    """

    def __init__(self, path: Path | None, *, language: str | None = None) -> None:
        self.path = path
        self.count = 0
        self.language = language or translation.get_language() or "de"
        self.separator = spreadsheet.separator_for(self.language)
        with translation.override(self.language):
            # Translators: column headers of the import's error file.
            self.header = (_("line"), _("column"), _("reason"))
        self._handle: TextIO | None = None
        self._writer: spreadsheet.SpreadsheetWriter | None = None

    def write(self, rejection: Rejection) -> None:
        """Append one rejection (and count it even when no file is wanted)."""
        self.count += 1
        if self.path is None:
            return
        if self._writer is None:
            self._handle, self._writer = spreadsheet.open_file(self.path, separator=self.separator)
            self._writer.row(self.header)
        self._writer.row((rejection.line, rejection.column, rejection.reason))

    def reopen(self, *, written: bool) -> None:
        """Write on after ``close`` (the reading closes it when done), appending to the file if
        it was ``written`` (the reading rejected rows, maybe in another process), else starting
        it on the next rejection."""
        if written and self.path is not None and self._writer is None:
            self._handle, self._writer = spreadsheet.open_file(
                self.path, separator=self.separator, append=True
            )

    def close(self) -> None:
        """Flush and close the file if one was written."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._writer = None


@dataclass
class ImportSummary:
    """Counts of one import run, for the closing message and the audit entry."""

    kind: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    orders: int = 0
    orders_created: int = 0
    lines_created: int = 0
    consents_recorded: int = 0
    # Newsletter grants of the file kept out of the ledger by a newer direct opt-out.
    consents_held_back: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    # Enough rejections to show in tests and on screen; the file holds all of them.
    KEEP = 100

    def reject(self, rejection: Rejection, errors: ErrorFile) -> None:
        """Count a rejected row and write it to the error file."""
        self.rejected += 1
        errors.write(rejection)
        if len(self.rejections) < self.KEEP:
            self.rejections.append(rejection)

    def text(self) -> str:
        """One human-readable paragraph for the end of the run."""
        parts = [
            _("%(rows)d rows read, %(accepted)d imported, %(rejected)d rejected.")
            % {"rows": self.rows, "accepted": self.accepted, "rejected": self.rejected}
        ]
        if self.kind == "orders":
            parts.append(
                _("Orders: %(orders)d in the file, %(created)d new; %(lines)d new order lines.")
                % {
                    "orders": self.orders,
                    "created": self.orders_created,
                    "lines": self.lines_created,
                }
            )
        parts.append(
            _("Customers: %(created)d created, %(updated)d updated.")
            % {"created": self.customers_created, "updated": self.customers_updated}
        )
        if self.consents_recorded or self.consents_held_back:
            parts.append(
                _(
                    "Consent: %(recorded)d changes recorded, %(held)d grants not taken over"
                    " because the customer opted out directly later."
                )
                % {"recorded": self.consents_recorded, "held": self.consents_held_back}
            )
        return " ".join(parts)
