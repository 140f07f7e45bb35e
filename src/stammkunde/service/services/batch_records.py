"""The system's timeline entries, audit rows and domain events of an intake group, written
at its end.

Intake files a group of mails in one savepoint (``service.intake.processing``); each new case,
new customer, contact hold and filed message wrote its timeline entry and its audit row with
one INSERT apiece, a third of the statements per mail. Inside ``buffered()`` the owning apps
hold the rows the system records (``timeline.services.held_activities``,
``audit.services.held_system_changes``), and ``flush()`` writes them through their bulk
writers (``record_activity_rows``, ``audit_system_changes``) in the same savepoint before the
group counts as done: a group that fails rolls back its rows with its cases, and the rows
held since are dropped with the block. The domain events the group publishes (a case opened,
escalated) are held the same way (``core.events.held_events``) and stored with one INSERT
(``publish_many``), each with its origin, in the savepoint of the changes that caused them.
Outside the block every call writes at once.

Inside the block the case services also skip their own savepoints (``atomic``), and so do
the services below that recover from a unique conflict on their own (a new sender's customer,
a contact hold; ``core.group_savepoint``): the group's savepoint covers every mail, and a
failed group is rolled back and worked again mail by mail.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from stammkunde.audit.services import audit_system_changes, held_system_changes
from stammkunde.core import group_savepoint
from stammkunde.core.events import DomainEvent, held_events, publish_many
from stammkunde.timeline.services import ActivityRow, held_activities, record_activity_rows

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Records:
    """What one block holds until ``flush``."""

    activities: list[ActivityRow]
    audits: list[tuple[Any, ...]]
    events: list[DomainEvent]


_records: ContextVar[Records | None] = ContextVar("batch_records", default=None)


@contextmanager
def buffered() -> Iterator[Records]:
    """Hold the system's timeline entries, audit rows and events until ``flush`` (one intake
    group), and have the services skip their savepoints (the caller's covers the group). Rows
    not flushed when the block ends are dropped: the caller's savepoint failed."""
    with (
        held_activities() as activities,
        held_system_changes() as audits,
        held_events() as events,
        group_savepoint.covering(),
    ):
        records = Records(activities, audits, events)
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
    if records.activities:
        record_activity_rows(records.activities)
        records.activities.clear()
    if records.audits:
        audit_system_changes(records.audits)
        records.audits.clear()
    if records.events:
        publish_many(records.events)
        records.events.clear()


def atomic(func: F) -> F:
    """``transaction.atomic`` for a case service, without its savepoint inside a block (the
    intake group's savepoint covers the call; see the module's docstring)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with group_savepoint.atomic():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
