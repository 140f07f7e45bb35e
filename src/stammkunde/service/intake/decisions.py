"""What becomes of one stored mail: parsed, its files kept, then a bounce (matched to the
message it returns and handed to messaging's suppression list), automatic mail (kept, never
answered), a copy of a mail already processed (duplicate), or a customer's mail filed in a
case (``filing``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from stammkunde.messaging.models import SuppressionReason
from stammkunde.messaging.queries import message_by_message_id
from stammkunde.messaging.services.suppression import SuppressionError, suppress_address
from stammkunde.service.intake.attachment_files import FileLimits, FileOutcome, keep_files
from stammkunde.service.intake.automatic import Automatic, classify
from stammkunde.service.intake.bounces import read_bounce
from stammkunde.service.intake.lookups import GroupLookups
from stammkunde.service.intake.mime import ParsedMail, parse_mail
from stammkunde.service.models import Attachment, InboundMail, InboundState

DONE_STATES = (InboundState.FILED, InboundState.AUTOMATIC, InboundState.BOUNCE)


class Unfileable(ValueError):
    """A mail that cannot be processed however often it is tried; the message says why."""


def process_mail(
    mail: InboundMail,
    *,
    now: datetime,
    limits: FileLimits,
    filed_before: bool | None = None,
    files_before: bool | None = None,
    parsed: ParsedMail | None = None,
    copies: EarlierCopies | None = None,
    lookups: GroupLookups | None = None,
) -> None:
    """Parse ``mail`` and act on it; sets its state and outcome (the caller saves them).
    ``filed_before`` False says the caller knows no case message of this mail exists yet,
    ``files_before`` False that no files of it are stored yet (a batch looked both up at
    once); None has processing look for itself. ``parsed`` is the mail parsed already,
    ``copies`` the batch's stored mails by Message-ID (else looked up for this mail),
    ``lookups`` what the mail's group looked up at once (``lookups``)."""
    if parsed is None:
        parsed = parse_mail(bytes(mail.raw))
    mail.message_id = parsed.message_id[:998]
    mail.from_address = parsed.from_address[:320]
    mail.subject = parsed.subject[:300]
    verdict = classify(parsed, own_domain=settings.MAIL_DOMAIN)
    mail.automatic = verdict.kind.value
    mail.automatic_reason = verdict.reason[:200]
    outcome: dict[str, Any] = {}
    if parsed.defects:
        outcome["defects"] = sorted(set(parsed.defects))[:20]
    earlier = _earlier_copy(mail, parsed, copies)
    if earlier is not None:
        mail.state = InboundState.DUPLICATE
        mail.duplicate_of = earlier
        mail.customer_id = earlier.customer_id
        mail.outcome = outcome
        return
    inline_urls, outcome["files"] = _store_files(mail, parsed, limits, stored=files_before)
    if verdict.kind == Automatic.BOUNCE:
        outcome["bounce"] = _handle_bounce(parsed)
        mail.state = InboundState.BOUNCE
    elif verdict.is_automatic:
        # Kept for the record and never answered (RFC 3834); a threaded auto-reply names its
        # case so the inbox can link it, without reopening it or touching its clock.
        from stammkunde.service.intake.filing import threaded_case

        case = threaded_case(parsed, lookups=lookups)
        if case is not None:
            outcome.update(case=case.pk, reference=case.reference)
            mail.customer_id = case.customer_id
        mail.state = InboundState.AUTOMATIC
    else:
        from stammkunde.service.intake.filing import file_in_case

        outcome.update(
            file_in_case(
                mail,
                parsed,
                inline_urls=inline_urls,
                filed_before=filed_before,
                lookups=lookups,
            )
        )
        mail.state = InboundState.FILED
    mail.outcome = outcome


class EarlierCopies:
    """The processed mails (ids by Message-ID) a batch's mails may be copies of: one query
    per chunk of the batch (``add_chunk``) instead of one per mail, and the batch's own mails
    added as they are processed (``add``)."""

    def __init__(self) -> None:
        self.ids: dict[str, set[int]] = {}

    def add_chunk(self, message_ids: Iterable[str], *, below: int) -> None:
        """Look up the processed mails with these Message-IDs stored before mail ``below``."""
        wanted = sorted({value for value in message_ids if value})
        if not wanted:
            return
        # The exclude repeats the partial index's condition, so that SQLite uses the index.
        # The mail's number and state are tested here, not in SQL: given them, SQLite walked
        # the (state, id) index over every processed mail before ``below`` instead, a cost
        # that grew with the table.
        rows = (
            InboundMail.objects.exclude(message_id="")
            .filter(message_id__in=wanted)
            .order_by()
            .values_list("message_id", "id", "state")
        )
        for message_id, mail_id, state in rows:
            if mail_id < below and state in DONE_STATES:
                self.add(message_id, mail_id)

    def add(self, message_id: str, mail_id: int) -> None:
        """A mail processed in this batch (it may have copies later in the batch)."""
        if message_id:
            self.ids.setdefault(message_id, set()).add(mail_id)

    def discard(self, message_id: str, mail_id: int) -> None:
        """Take back an ``add`` whose mail was rolled back."""
        self.ids.get(message_id, set()).discard(mail_id)

    def before(self, mail: InboundMail) -> list[int]:
        """The first five processed mails with ``mail``'s Message-ID stored before it."""
        return sorted(i for i in self.ids.get(mail.message_id, ()) if i < mail.pk)[:5]


def _earlier_copy(
    mail: InboundMail, parsed: ParsedMail, copies: EarlierCopies | None = None
) -> InboundMail | None:
    """The same message stored before from another source or address: the same Message-ID
    and the same content (some clients reuse a Message-ID for a different message)."""
    if not mail.message_id:
        return None
    if copies is not None:
        ids = copies.before(mail)
        if not ids:
            return None
        candidates = InboundMail.objects.filter(id__in=ids).order_by("id")
    else:
        # The exclude repeats the partial index's condition, so that SQLite uses the index.
        candidates = (
            InboundMail.objects.exclude(message_id="")
            .filter(message_id=mail.message_id, id__lt=mail.pk, state__in=DONE_STATES)
            .order_by("id")[:5]
        )
    mine = _fingerprint(parsed)
    for candidate in candidates:
        if _fingerprint(parse_mail(bytes(candidate.raw))) == mine:
            return candidate
    return None


def _fingerprint(parsed: ParsedMail) -> tuple:
    """What stays the same when a provider or server re-encodes a message on the way."""
    return (
        parsed.from_address.lower(),
        " ".join(parsed.subject.split()),
        " ".join(parsed.text.split()),
        sorted(hashlib.sha256(part.content).hexdigest() for part in parsed.files),
    )


def _store_files(
    mail: InboundMail, parsed: ParsedMail, limits: FileLimits, *, stored: bool | None = None
) -> tuple[dict[str, str], dict[str, int]]:
    """Store the files (once: a re-processed mail keeps the rows it has); return the addresses
    of inline images by Content-ID and the count per outcome. ``stored`` False: the caller
    knows there are no rows yet."""
    # A mail without files has no rows to find (a re-processed one kept the rows it has).
    look = parsed.files and stored is not False
    existing = list(mail.attachments.defer("content")) if look else []
    if not existing and parsed.files:
        kept = keep_files(parsed.files, limits)
        existing = Attachment.objects.bulk_create(
            Attachment(
                inbound_mail=mail,
                filename=file.filename[:255] or "attachment",
                declared_type=file.declared_type[:127],
                sniffed_type=file.sniffed_type[:127],
                type_mismatch=file.type_mismatch,
                size=file.size,
                sha256=file.sha256,
                content=file.content,
                outcome=file.outcome.value,
                content_id=file.content_id[:300],
                inline=file.inline,
                from_tnef=file.from_tnef,
            )
            for file in kept
        )
    counts: dict[str, int] = {}
    urls: dict[str, str] = {}
    for attachment in existing:
        counts[attachment.outcome] = counts.get(attachment.outcome, 0) + 1
        if attachment.content_id and attachment.outcome == FileOutcome.STORED:
            urls[attachment.content_id] = reverse("ui:inbound-attachment", args=[attachment.pk])
    return urls, counts


def _handle_bounce(parsed: ParsedMail) -> dict[str, Any]:
    """Match the bounce to the message it returns; a permanent failure of one of our messages
    puts the failed address on messaging's suppression list. A bounce of a message we never
    sent (backscatter of forged mail) suppresses nothing."""
    report = read_bounce(parsed)
    original = (
        message_by_message_id(report.original_message_id) if report.original_message_id else None
    )
    result: dict[str, Any] = {
        "permanent": report.permanent,
        "status": report.status,
        "recipients": list(report.recipients[:5]),
        "original_message_id": report.original_message_id[:300],
        "matched": original is not None,
        "suppressed": [],
    }
    if original is None or not report.permanent:
        return result
    recipients = list(report.recipients) or [original.to_address]
    for address in recipients[:5]:
        try:
            suppress_address(
                address=address,
                reason=SuppressionReason.HARD_BOUNCE,
                source=f"bounce {report.status or 'permanent'}",
                message=original,
            )
        except SuppressionError:
            continue
        result["suppressed"].append(address)
    return result
