"""The desk's own timeline entries and audit rows of an intake batch, written at its end.

Intake files a group of mails in one savepoint (``service.intake.processing``); each new case
and each filed message wrote its timeline entry and its audit row with one INSERT apiece, a
third of the statements per mail. Inside ``buffered()`` the case services hand the entries the
system records (no staff actor) to the block instead, and ``flush()`` writes them through the
owning apps' bulk writers (``timeline.services.record_activity_rows``,
``audit.services.audit_system_changes``) in the same savepoint before the group counts as
done: a group that fails rolls back its rows with its cases. Outside the block every call
writes at once, as before.

Inside the block the case services also skip their own savepoints (``atomic``): the batch's
savepoint covers every mail, and a failed group is rolled back and worked again mail by mail.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit_system_changes
from stammkunde.timeline.services import TEXT_MAX, ActivityRow, record_activity_rows

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Records:
    """What one block holds until ``flush``."""

    activities: list[ActivityRow] = field(default_factory=list)
    audits: list[tuple[AuditAction, Any, int | None, list[str], str]] = field(default_factory=list)


_records: ContextVar[Records | None] = ContextVar("batch_records", default=None)


@contextmanager
def buffered() -> Iterator[Records]:
    """Hold the system's timeline entries and audit rows until ``flush`` (one intake group).
    Rows not flushed when the block ends are dropped: the caller's savepoint failed."""
    records = Records()
    token = _records.set(records)
    try:
        yield records
    finally:
        _records.reset(token)


def active() -> bool:
    """Whether a ``buffered`` block is open."""
    return _records.get() is not None


def flush() -> None:
    """Write what the open block holds (nothing outside a block) and empty it."""
    records = _records.get()
    if records is None:
        return
    activities, audits = records.activities, records.audits
    records.activities, records.audits = [], []
    if activities:
        record_activity_rows(activities)
    if audits:
        audit_system_changes(audits)


def activity(
    *,
    case: Any,
    kind: str,
    params: dict[str, Any],
    by: Any,
    channel: str,
    direction: str,
    occurred_at: datetime | None,
) -> bool:
    """Hold the timeline entry ``kind`` about ``case``; False when it must be written now (no
    block, or a staff user acted: the row form has no actor column)."""
    records = _records.get()
    if records is None or by is not None:
        return False
    if isinstance(params.get("text"), str):
        params = {**params, "text": params["text"][:TEXT_MAX]}
    records.activities.append(
        ActivityRow(
            customer_id=case.customer_id,
            kind=kind,
            occurred_at=occurred_at or timezone.now(),
            params=params,
            channel=channel,
            direction=direction,
            subject_type=case._meta.label_lower,
            subject_id=case.pk,
        )
    )
    return True


def system_audit(*, action: AuditAction, obj: Any, customer_id: int | None, detail: str) -> bool:
    """Hold the system's audit row; False outside a block (the caller writes it)."""
    records = _records.get()
    if records is None:
        return False
    records.audits.append((action, obj, customer_id, [], detail))
    return True


def atomic(func: F) -> F:
    """``transaction.atomic`` for a case service, without its savepoint inside a block (the
    intake batch's savepoint covers the call; see the module's docstring)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic(savepoint=_records.get() is None):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
