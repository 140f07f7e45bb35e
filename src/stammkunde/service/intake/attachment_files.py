"""The files of a message as the desk keeps them: real type sniffed from the bytes (a declared
type that lies is flagged), Outlook's winmail.dat (TNEF) unpacked, and the limits applied.

A file over a limit is not dropped silently: it is listed with its outcome (too large, over
the count, unreadable TNEF) and its bytes stay in the raw message, which is always kept.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import filetype

from stammkunde.service.intake.mime import MailPart

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
# Declared types that say nothing about the content: no mismatch is reported for them.
_VAGUE_TYPES = frozenset({"application/octet-stream", "application/unknown", "binary/octet-stream"})
# Types whose families count as the same (image/jpg is what some clients write for image/jpeg).
_SAME = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


class FileOutcome(StrEnum):
    STORED = "stored"
    TOO_LARGE = "too_large"
    OVER_COUNT = "over_count"
    OVER_TOTAL = "over_total"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class FileLimits:
    """Per file, per message in bytes, and how many files are stored."""

    max_file_bytes: int = 25 * 1024 * 1024
    max_total_bytes: int = 60 * 1024 * 1024
    max_files: int = 100


@dataclass
class KeptFile:
    """One file with what the desk found out about it."""

    filename: str
    declared_type: str
    sniffed_type: str
    size: int
    sha256: str
    content: bytes | None
    outcome: FileOutcome
    content_id: str = ""
    inline: bool = False
    from_tnef: bool = False

    @property
    def type_mismatch(self) -> bool:
        """True when the bytes are of another type than the message declared."""
        declared = _SAME.get(self.declared_type, self.declared_type)
        if not self.sniffed_type or declared in _VAGUE_TYPES:
            return False
        return declared != _SAME.get(self.sniffed_type, self.sniffed_type)


def sniff_type(content: bytes) -> str:
    """The type the bytes really have ("" when their magic numbers are unknown)."""
    try:
        kind = filetype.guess(content[:8192])
    except Exception:
        return ""
    return kind.mime if kind else ""


def keep_files(parts: Iterable[MailPart], limits: FileLimits) -> list[KeptFile]:
    """Apply sniffing, TNEF unpacking and the limits to the parts of a message."""
    kept: list[KeptFile] = []
    total = 0
    for part in _unpacked(parts):
        size = len(part.content)
        outcome = FileOutcome.STORED
        if isinstance(part, _Unreadable):
            outcome = FileOutcome.UNREADABLE
        elif size > limits.max_file_bytes:
            outcome = FileOutcome.TOO_LARGE
        elif sum(1 for file in kept if file.outcome == FileOutcome.STORED) >= limits.max_files:
            outcome = FileOutcome.OVER_COUNT
        elif total + size > limits.max_total_bytes:
            outcome = FileOutcome.OVER_TOTAL
        stored = outcome == FileOutcome.STORED
        if stored:
            total += size
        kept.append(
            KeptFile(
                filename=part.filename,
                declared_type=part.declared_type.lower(),
                sniffed_type=sniff_type(part.content),
                size=size,
                sha256=hashlib.sha256(part.content).hexdigest(),
                content=part.content if stored else None,
                outcome=outcome,
                content_id=part.content_id,
                inline=part.inline,
                from_tnef=isinstance(part, _FromTnef),
            )
        )
    return kept


class _FromTnef(MailPart):
    pass


class _Unreadable(MailPart):
    pass


def _unpacked(parts: Iterable[MailPart]) -> Iterable[MailPart]:
    """The parts, with each winmail.dat replaced by the files and body it holds."""
    for part in parts:
        if part.declared_type.lower() in TNEF_TYPES or part.filename.lower() == "winmail.dat":
            yield from _tnef_files(part)
        else:
            yield part


def _tnef_files(part: MailPart) -> Iterable[MailPart]:
    from tnefparse import TNEF

    try:
        tnef = TNEF(part.content)
        files = [
            _FromTnef(
                filename=_tnef_name(attachment),
                declared_type=mimetypes.guess_type(_tnef_name(attachment))[0]
                or "application/octet-stream",
                content=bytes(attachment.data or b""),
            )
            for attachment in tnef.attachments
        ]
        body = getattr(tnef, "htmlbody", None) or getattr(tnef, "body", None)
        if not files and not body:
            rtf = getattr(tnef, "rtfbody", None)
            if rtf:
                files.append(
                    _FromTnef(filename="message.rtf", declared_type="text/rtf", content=rtf)
                )
        if not files:  # nothing inside we can read: keep the container itself
            files.append(_FromTnef(part.filename, part.declared_type, part.content))
    except Exception:
        yield _Unreadable(
            filename=part.filename, declared_type=part.declared_type, content=part.content
        )
        return
    yield from files


def _tnef_name(attachment: object) -> str:
    name = getattr(attachment, "long_filename", None)
    name = name() if callable(name) else name
    name = name or getattr(attachment, "name", "") or "attachment"
    if isinstance(name, bytes):
        name = name.decode("cp1252", "replace")
    return str(name).strip("\x00").replace("/", "_")[:200]
