"""Processing stored inbound mail in the worker: claim, parse, decide, file; retry or park.

One transaction per batch holds the claim (``core.retrying``: on PostgreSQL ``SELECT ... FOR
UPDATE SKIP LOCKED``), each mail is worked in its own savepoint, and whatever fails is
charged to that mail alone: retried with a growing pause, then parked with its reason (state
failed), re-processable from the inbox page. A worker dying halfway rolls the batch back and
the mails simply wait again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stammkunde.core import error_reasons
from stammkunde.core.retrying import (
    OUTCOME_FIELDS,
    RetrySchedule,
    claim_due_ids,
    park,
    retry_or_park,
)
from stammkunde.service.intake.attachment_files import FileLimits
from stammkunde.service.intake.decisions import Unfileable, process_mail
from stammkunde.service.intake.queries import filed_mail_ids
from stammkunde.service.models import InboundMail, InboundState

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_SCHEDULE = RetrySchedule(MAX_ATTEMPTS, timedelta(seconds=30))
# Mails per claim; the time budget keeps the transaction (SQLite's one write lock) short.
BATCH_SIZE = 100
BATCH_SECONDS = 1.0
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
    with transaction.atomic():
        ids = claim_due_ids(
            InboundMail.objects.filter(state=InboundState.RECEIVED), limit=limit, now=now
        )
        result.claimed = len(ids)
        # One look-up for the batch: only these mails can meet their own earlier filing.
        filed = filed_mail_ids(ids) if ids else set()
        for position, mail_id in enumerate(ids):
            if position and time.monotonic() > deadline:
                break  # the rest is released with the commit and claimed by the next batch
            # Read one by one: a batch of raw mails (up to the size limit each) at once could
            # exhaust the worker's memory.
            mail = InboundMail.objects.get(pk=mail_id)
            _process_one(mail, now=now, limits=limits, result=result, filed=mail_id in filed)
    return result


def _process_one(
    mail: InboundMail, *, now: datetime, limits: FileLimits, result: BatchResult, filed: bool
):
    mail.attempts += 1
    try:
        with transaction.atomic():
            process_mail(mail, now=now, limits=limits, filed_before=filed)
            mail.processed_at = now
            mail.error = ""
            mail.error_code = ""
            mail.next_attempt_at = None
            mail.save(update_fields=[*OUTCOME_FIELDS, "error_code", *FOUND_FIELDS])
        result.processed += 1
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
