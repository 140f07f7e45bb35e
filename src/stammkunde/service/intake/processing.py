"""Processing stored inbound mail in the worker: claim, parse, decide, file; retry or park.

One transaction per batch holds the claim (``core.retrying``: on PostgreSQL ``SELECT ... FOR
UPDATE SKIP LOCKED``). The mails are worked in groups of ``GROUP_SIZE``, each group in one
savepoint with the desk's timeline entries and audit rows held and written at its end
(``service.services.batch_records``), and the mails' own rows updated with one statement at
its end (``core.bulk.update_rows``). A group that fails is rolled back whole and worked
again mail by mail, each in its own savepoint, so that whatever fails is charged to that mail
alone: retried with a growing pause, then parked with its reason (state failed),
re-processable from the inbox page; the other mails of the group are filed once. A worker
dying halfway rolls the batch back and the mails simply wait again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from stammkunde.core import error_reasons
from stammkunde.core.bulk import update_rows
from stammkunde.core.retrying import (
    OUTCOME_FIELDS,
    RetrySchedule,
    claim_due_ids,
    park,
    retry_or_park,
)
from stammkunde.service.intake import decisions
from stammkunde.service.intake.attachment_files import FileLimits
from stammkunde.service.intake.decisions import (
    DONE_STATES,
    EarlierCopies,
    Unfileable,
    process_mail,
)
from stammkunde.service.intake.lookups import GroupLookups
from stammkunde.service.intake.mime import ParsedMail
from stammkunde.service.intake.queries import EarlierWork, earlier_work
from stammkunde.service.models import InboundMail, InboundState
from stammkunde.service.services import batch_records, desk_settings

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_SCHEDULE = RetrySchedule(MAX_ATTEMPTS, timedelta(seconds=30))
# Mails per claim; the time budget keeps the transaction (SQLite's one write lock) short.
BATCH_SIZE = 100
BATCH_SECONDS = 1.0
# Mails worked in one savepoint, parsed ahead of their processing and their earlier copies
# looked up in one query. Small, so that a failing mail (about one in a hundred is
# unfileable) costs little work done twice, and so that the time budget ends a batch soon.
GROUP_SIZE = 10
# Claimed mails read, with their earlier work looked up, this many at a time: a batch that its
# time budget ends (on a loaded machine after a group or two) has read no further ahead. Read
# all at once, the claimed mails' rows and look-ups cost as much again as filing the few
# that a loaded worker got to.
WINDOW = 2 * GROUP_SIZE
# Raw mail read from the database at once (a mail over it is read alone).
READ_BYTES = 4 * 1024 * 1024
# Fields processing fills in besides the outcome fields of core.retrying.
FOUND_FIELDS = (
    "message_id",
    "from_address",
    "subject",
    "automatic",
    "automatic_reason",
    "customer",
    "duplicate_of",
    "outcome",
)
# What filing writes of each mail.
SAVED_FIELDS = (*OUTCOME_FIELDS, "error_code", *FOUND_FIELDS)


def file_limits() -> FileLimits:
    """The attachment limits of the settings."""
    return FileLimits(
        max_file_bytes=settings.INBOUND_FILE_MAX_BYTES,
        max_total_bytes=settings.INBOUND_MAIL_MAX_BYTES,
        max_files=settings.INBOUND_FILES_MAX,
    )


@dataclass
class BatchResult:
    """What one pass did (counts of mails)."""

    claimed: int = 0
    processed: int = 0
    retried: int = 0
    parked: int = 0


def process_waiting(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> BatchResult:
    """Claim up to ``limit`` waiting mails (oldest first) and process them."""
    now = now or timezone.now()
    result = BatchResult()
    limits = file_limits()
    deadline = time.monotonic() + BATCH_SECONDS
    # The batch's new cases read the routing rules, standards and absences once (one
    # transaction: on SQLite nobody changes them meanwhile; a change inside drops them).
    with transaction.atomic(), desk_settings.batch_settings():
        ids = claim_due_ids(
            InboundMail.objects.filter(state=InboundState.RECEIVED), limit=limit, now=now
        )
        result.claimed = len(ids)
        copies = EarlierCopies()
        for start in range(0, len(ids), WINDOW):
            if _out_of_time(result, deadline):
                return result  # the rest is released with the commit, claimed next
            window = ids[start : start + WINDOW]
            # One look-up each for the window: only these mails can meet their own earlier
            # filing or the files an earlier run kept (a mail put back by staff).
            earlier = earlier_work(window)
            for chunk in _chunks_by_size(window):
                mails = list(InboundMail.objects.filter(pk__in=chunk).order_by("id"))
                for offset in range(0, len(mails), GROUP_SIZE):
                    if _out_of_time(result, deadline):
                        return result
                    group = mails[offset : offset + GROUP_SIZE]
                    work = _Work(now=now, limits=limits, earlier=earlier, copies=copies)
                    _work_group(group, work=work, result=result)
    return result


def _out_of_time(result: BatchResult, deadline: float) -> bool:
    """Whether the batch has used its time budget (it always works at least one group)."""
    done = result.processed + result.retried + result.parked
    return bool(done) and time.monotonic() > deadline


def _work_group(group: list[InboundMail], *, work: _Work, result: BatchResult) -> None:
    """File ``group`` in one savepoint, or mail by mail when one of them fails."""
    # Parsed first, so that one query finds the earlier copies of the group.
    parsed = {mail.pk: _parsed(mail) for mail in group}
    work.copies.add_chunk(
        (found.message_id[:998] for found in parsed.values() if found is not None),
        below=group[-1].pk,
    )
    if _process_group(group, parsed, work):
        result.processed += len(group)
        return
    # One mail failed and the group was rolled back: each again in its own savepoint, from
    # the rows as stored (the attempt's changes are gone).
    desk_settings.forget()
    fresh = InboundMail.objects.in_bulk([mail.pk for mail in group])
    for mail in group:
        _process_one(fresh[mail.pk], work=work, result=result, parsed=parsed[mail.pk])


def _parsed(mail: InboundMail) -> ParsedMail | None:
    """``mail`` parsed, or None when parsing fails (it is then parsed again in the mail's own
    savepoint and fails there, charged to that mail alone)."""
    try:
        return decisions.parse_mail(bytes(mail.raw))
    except Exception:
        return None


def _chunks_by_size(ids: list[int]) -> Iterator[list[int]]:
    """The claimed ids in runs whose raw mails together stay under ``READ_BYTES`` (a single
    larger mail alone): a batch of raw mails (up to the size limit each) at once could exhaust
    the worker's memory, one query per mail costs time."""
    chunk: list[int] = []
    total = 0
    sizes = dict(InboundMail.objects.filter(pk__in=ids).values_list("id", "size"))
    for mail_id in ids:
        size = sizes.get(mail_id, 0)
        if chunk and total + size > READ_BYTES:
            yield chunk
            chunk, total = [], 0
        chunk.append(mail_id)
        total += size
    if chunk:
        yield chunk


@dataclass(frozen=True)
class _Work:
    """What every mail of a batch is worked with."""

    now: datetime
    limits: FileLimits
    earlier: EarlierWork
    copies: EarlierCopies


def _process_group(
    group: list[InboundMail], parsed: dict[int, ParsedMail | None], work: _Work
) -> bool:
    """Work ``group`` in one savepoint; False when a mail failed (the group is rolled back and
    the copies it added to ``work.copies`` are taken out again)."""
    added: list[tuple[str, int]] = []
    try:
        with transaction.atomic(), batch_records.buffered():
            lookups = GroupLookups.for_group(parsed.values())
            for mail in group:
                mail.attempts += 1
                _file(mail, work=work, parsed=parsed[mail.pk], lookups=lookups, save=False)
                if mail.state in DONE_STATES and mail.message_id:
                    work.copies.add(mail.message_id, mail.pk)
                    added.append((mail.message_id, mail.pk))
            _save_group(group)
            batch_records.flush()
    except Exception:
        # Logged (and charged) when the mail fails again alone.
        for message_id, mail_id in added:
            work.copies.discard(message_id, mail_id)
        return False
    return True


def _file(
    mail: InboundMail,
    *,
    work: _Work,
    parsed: ParsedMail | None,
    lookups: GroupLookups | None = None,
    save: bool = True,
) -> None:
    """Process ``mail`` and save what it found (the caller holds the savepoint); ``save``
    False leaves the saving to the caller (``_save_group``)."""
    process_mail(
        mail,
        now=work.now,
        limits=work.limits,
        filed_before=mail.pk in work.earlier.filed,
        files_before=mail.pk in work.earlier.with_files,
        parsed=parsed,
        copies=work.copies,
        lookups=lookups,
    )
    mail.processed_at = work.now
    mail.error = ""
    mail.error_code = ""
    mail.next_attempt_at = None
    if save:
        mail.save(update_fields=SAVED_FIELDS)


def _save_group(group: list[InboundMail]) -> None:
    """Write what filing found of the group's mails: one prepared UPDATE run for all rows
    instead of a ``save()`` apiece (the model's save machinery cost more than the statement),
    unless something listens to the saves."""
    if pre_save.has_listeners(InboundMail) or post_save.has_listeners(InboundMail):
        for mail in group:
            mail.save(update_fields=SAVED_FIELDS)
        return
    update_rows(group, SAVED_FIELDS)


def _process_one(
    mail: InboundMail, *, work: _Work, result: BatchResult, parsed: ParsedMail | None
) -> None:
    """Work ``mail`` alone in its own savepoint; a failure is charged to it."""
    now = work.now
    mail.attempts += 1
    try:
        with transaction.atomic():
            _file(mail, work=work, parsed=parsed)
        result.processed += 1
        if mail.state in DONE_STATES:
            work.copies.add(mail.message_id, mail.pk)
        return
    except Unfileable as exc:
        # Trying again cannot help (the message itself is the problem): park at once.
        park(mail, str(exc), now=now, state=InboundState.FAILED)
        mail.error_code = error_reasons.OTHER
        result.parked += 1
    except Exception as exc:
        logger.exception("inbound mail %s failed", mail.pk)
        mail.state = InboundState.RECEIVED  # whatever the attempt set was rolled back
        mail.error_code = error_reasons.reason_of(exc)
        if retry_or_park(
            mail, exc, now=now, schedule=RETRY_SCHEDULE, parked_state=InboundState.FAILED
        ):
            result.parked += 1
        else:
            result.retried += 1
    # Only the outcome is written: what the failed attempt found was rolled back with it.
    InboundMail.objects.filter(pk=mail.pk).update(
        **{field: getattr(mail, field) for field in (*OUTCOME_FIELDS, "error_code")}
    )
