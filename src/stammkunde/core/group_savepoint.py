"""Writes covered by a caller's savepoint around a whole group of items.

Intake files a group of mails in one savepoint and, when any of them fails, rolls the group
back and works it again mail by mail, each in its own savepoint (``service.intake.processing``).
Inside the group the services below need no savepoints of their own: a service that inserts
first and recovers from a unique conflict by reading the row that is there (a new sender's
customer, a contact hold) lets the conflict fail the group instead, and the mail-by-mail pass
recovers in the service's own savepoint as before. A savepoint per write is a SAVEPOINT and a
RELEASE statement and their bookkeeping in Django, for every new case twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_covered: ContextVar[bool] = ContextVar("group_savepoint_covers", default=False)


@contextmanager
def covering() -> Iterator[None]:
    """Inside the block the caller's savepoint covers every write and a failure rolls the
    whole group back (the caller then works its items one by one, outside the block)."""
    token = _covered.set(True)
    try:
        yield
    finally:
        _covered.reset(token)


def covered() -> bool:
    """Whether a group's savepoint covers the writes made now."""
    return _covered.get()


def atomic() -> transaction.Atomic:
    """``transaction.atomic()``, without its savepoint inside a covered group. A service that
    catches a database error raised in it must re-raise it when ``covered()``: without a
    savepoint the transaction cannot go on, the group's savepoint is rolled back instead."""
    return transaction.atomic(savepoint=not covered())
