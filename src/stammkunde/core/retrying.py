"""The one claim, retry and park mechanism of background work items (webhook deliveries, the
deliveries of domain events to their subscribers).

A work item is a row with the fields ``state``, ``attempts``, ``next_attempt_at``, ``error``
and ``processed_at``. A worker claims the due open items (:func:`claim_due_ids`: on PostgreSQL
``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers never take the same item; SQLite has
one writer at a time anyway), works on them, and records each outcome on the instance: done,
another attempt after a growing pause (:func:`retry_or_park`), or parked with the reason
(:func:`park`) once the attempts are used up or trying again cannot help. Staff put a parked
item back in the queue with a fresh set of attempts (:func:`reopen`), after a fix.

The functions only set attributes; the caller writes them (one UPDATE for a whole batch), in
the transaction that holds the claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

# The fields every work item has and every outcome writes.
OUTCOME_FIELDS = ("state", "attempts", "next_attempt_at", "error", "processed_at")
ERROR_MAX = 5000


@dataclass(frozen=True)
class RetrySchedule:
    """``max_attempts`` tries, the n-th retry after ``base_delay * 2 ** (n - 1)``."""

    max_attempts: int
    base_delay: timedelta

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed tries; None once they are used up."""
        if attempts >= self.max_attempts:
            return None
        return now + self.base_delay * 2 ** max(attempts - 1, 0)


def claim_due_ids(
    open_items: QuerySet, *, limit: int, now: datetime, after_id: int = 0, due: bool = True
) -> list[int]:
    """Lock and return the ids of up to ``limit`` due items of ``open_items``, oldest first.

    ``open_items`` is filtered to the open state(s) already; due means ``next_attempt_at`` is
    unset or past. Call inside the transaction that records the outcomes: the row locks are
    what keeps other workers off these items until then. Only ids are locked and read: a
    locking sort cannot stop after ``limit`` rows on PostgreSQL, so the rows themselves (with
    their bodies) are read by id afterwards. ``due=False`` for items that have no
    ``next_attempt_at`` (every open one is due).
    """
    items = open_items.select_for_update(skip_locked=True).filter(id__gt=after_id)
    if due:
        items = items.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return list(items.order_by("id").values_list("id", flat=True)[:limit])


def error_text(exc: BaseException) -> str:
    """The reason a parked item shows: the message, with the exception's class unless it is a
    ValueError (whose message is meant for people)."""
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, ValueError):
        text = f"{type(exc).__name__}: {text}"
    return text[:ERROR_MAX]


def park(item: Any, reason: str, *, now: datetime, state: str) -> None:
    """Stop working on ``item``: it waits in ``state`` with ``reason`` until staff reopen it."""
    item.state = state
    item.error = reason[:ERROR_MAX]
    item.next_attempt_at = None
    item.processed_at = now


def retry_or_park(
    item: Any, exc: BaseException, *, now: datetime, schedule: RetrySchedule, parked_state: str
) -> bool:
    """Schedule another attempt after a growing pause, or park ``item`` once its attempts
    (already counted, including this one) are used up. Returns True when it was parked."""
    next_attempt = schedule.next_attempt_at(item.attempts, now)
    if next_attempt is None:
        park(item, error_text(exc), now=now, state=parked_state)
        return True
    item.next_attempt_at = next_attempt
    item.error = error_text(exc)
    return False


def reopen(item: Any, *, state: str) -> list[str]:
    """Put a parked (or finished) item back in the queue with a fresh set of attempts; return
    the fields to save."""
    item.state = state
    item.attempts = 0
    item.next_attempt_at = None
    item.processed_at = None
    item.error = ""
    return list(OUTCOME_FIELDS)


class ThrottledEnqueue:
    """Make sure a task will drain a queue of work items, asking the task table at most once
    per ``throttle_seconds`` in each process.

    One waiting task is enough: it drains everything committed when it starts. So a new task
    is only enqueued when none is waiting yet, which keeps the task table from growing by one
    row per item; and after a process has seen (or enqueued) a waiting task it does not ask
    again for ``throttle_seconds``. A task that finished inside that window could miss an item
    committed just after: so the draining task looks once more this long after running dry.
    """

    def __init__(self, task_getter: Callable[[], Any], *, throttle_seconds: float = 1.0) -> None:
        self._task_getter = task_getter
        self.throttle_seconds = throttle_seconds
        self._confirmed_at = -throttle_seconds

    def __call__(self) -> None:
        """Enqueue unless this process confirmed a waiting task within the throttle window."""
        now = time.monotonic()
        if now - self._confirmed_at < self.throttle_seconds:
            return
        self.enqueue()
        self._confirmed_at = now

    def enqueue(self, run_after: datetime | None = None) -> None:
        """Enqueue the task now (or for ``run_after``) unless one is waiting already."""
        task = self._task_getter()
        if run_after is None and task_waiting(task):
            return
        (task if run_after is None else task.using(run_after=run_after)).enqueue()


def task_waiting(task: Any) -> bool:
    """True when the database task backend holds a ready run of ``task``."""
    from django.conf import settings

    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return False  # another task backend (tests, immediate): always enqueue
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()
