"""Storing an inbound message: the raw bytes in one transaction, before anything parses them.

Every source (IMAP fetch, provider webhook, signed raw POST, web form) calls
:func:`store_inbound_mail`; it answers or marks the message at its source only after the
transaction has committed. A message the source delivers twice (same ``source_ref``) is
stored once. Processing is enqueued on commit; the minute sweep catches what a dead
process left.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.retrying import ThrottledEnqueue, reopen
from stammkunde.service.models import InboundMail, InboundState

ENQUEUE_THROTTLE_SECONDS = 1.0


def _process_task() -> Any:
    from stammkunde.service.intake.tasks import process_inbound_mail

    return process_inbound_mail


enqueue_processing = ThrottledEnqueue(_process_task, throttle_seconds=ENQUEUE_THROTTLE_SECONDS)


@dataclass(frozen=True)
class Stored:
    """The stored row and whether this call stored it (False: the source sent it before)."""

    mail: InboundMail
    created: bool


def store_inbound_mail(
    *,
    raw: bytes,
    source: str,
    source_ref: str = "",
    received_at: datetime | None = None,
) -> Stored:
    """Store ``raw`` as it came; processing follows in the worker (queue ``intake``)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("raw must be bytes")
    raw = bytes(raw)
    source_ref = source_ref[:300]
    if source_ref:
        known = InboundMail.objects.filter(source=source, source_ref=source_ref).first()
        if known is not None:
            return Stored(known, created=False)
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                source=source,
                source_ref=source_ref,
                raw=raw,
                size=len(raw),
                sha256=hashlib.sha256(raw).hexdigest(),
                received_at=received_at or timezone.now(),
            )
            transaction.on_commit(enqueue_processing)
    except IntegrityError:
        # Another process stored the same message a moment ago.
        known = InboundMail.objects.filter(source=source, source_ref=source_ref).first()
        if known is None:
            raise
        return Stored(known, created=False)
    return Stored(mail, created=True)


def store_inbound_mails(
    messages: list[tuple[str, bytes]], *, source: str, received_at: datetime | None = None
) -> int:
    """Store a batch of ``(source_ref, raw)`` in one transaction (the IMAP fetch: one per
    chunk); those stored before are left alone. Returns how many were stored anew."""
    now = received_at or timezone.now()
    refs = [ref[:300] for ref, _raw in messages]
    with transaction.atomic():
        known = set(
            InboundMail.objects.filter(source=source, source_ref__in=refs).values_list(
                "source_ref", flat=True
            )
        )
        new = {ref[:300]: bytes(raw) for ref, raw in messages}
        rows = [
            InboundMail(
                source=source,
                source_ref=ref,
                raw=raw,
                size=len(raw),
                sha256=hashlib.sha256(raw).hexdigest(),
                received_at=now,
            )
            for ref, raw in new.items()
            if ref not in known
        ]
        # A parallel fetch of the same mailbox may have stored one a moment ago.
        InboundMail.objects.bulk_create(rows, ignore_conflicts=True)
        if rows:
            transaction.on_commit(enqueue_processing)
    return len(rows)


@transaction.atomic
def reprocess_inbound_mail(mail: InboundMail, *, by: Any) -> InboundMail:
    """Put a parked (or finished) mail back in the queue with a fresh set of attempts.

    A mail already filed in a case is not filed again: processing sees its case and adds
    nothing twice (``filing`` keys the case message on the inbound mail).
    """
    mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
    fields = reopen(mail, state=InboundState.RECEIVED)
    mail.save(update_fields=fields)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=mail,
        customer_id=mail.customer_id,
        fields=["state"],
        detail="reprocess",
    )
    transaction.on_commit(enqueue_processing.enqueue)
    return mail
