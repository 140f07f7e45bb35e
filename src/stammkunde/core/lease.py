"""Leases on running tasks: noticing a dead worker's tasks within minutes, not hours.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task leaves it RUNNING for ever. So each ``stammkunde worker`` process keeps
a :class:`~stammkunde.core.models.WorkerHeartbeat` row that a thread renews every
``TASK_HEARTBEAT_SECONDS``. Its task threads claim under ids ``<process id>/<lane>``, so the
owner of a RUNNING task is known; when that owner's beat is older than ``TASK_LEASE_SECONDS``
the task was abandoned, and :func:`recover_abandoned_tasks` (every minute, and when a worker
starts) either puts it back to READY, if its task was declared :func:`rerunnable`, or fails
it with the reason.

Only the task's own domain knows whether running it twice is harmless, hence the declaration:
the inbox and events drains and the scoring recompute from stored state, so they may simply
run again; anything else (a mail sent, a reconciliation pass half done) is failed and visible.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

# Worker ids of processes that keep a lease start with this; others (a plain `db_worker`) are
# judged by how long their task has been running (TASK_STALE_AFTER_SECONDS).
LEASE_PREFIX = "stammkunde-"
# A task whose worker died this often is failed instead of being run once more: it is likely
# what kills the worker (memory, a crash in a C library).
MAX_RUNS = 3
STOPPED_REASON = "The worker running this task stopped before it finished."

TaskT = TypeVar("TaskT")
_rerunnable: set[str] = set()


class WorkerStopped(Exception):
    """Recorded as the error of a task whose worker stopped while running it."""


def rerunnable(task: TaskT) -> TaskT:
    """Declare that ``task`` may simply run again if its worker dies while running it.

    Use it on tasks that are idempotent (they recompute from stored state or claim their own
    work items), below the ``@task`` decorator::

        @rerunnable
        @task(queue_name="intake")
        def process_inbox(): ...
    """
    _rerunnable.add(task.module_path)  # type: ignore[attr-defined]
    return task


def is_rerunnable(task_path: str) -> bool:
    """Whether the task at this module path was declared :func:`rerunnable`."""
    return task_path in _rerunnable


def new_process_id(name: str = "") -> str:
    """A fresh worker process id (``stammkunde-<random>[-name]``), unique across machines."""
    suffix = f"-{name}" if name else ""
    return f"{LEASE_PREFIX}{get_random_string(12)}{suffix}"


def lane_worker_id(process_id: str, lane: str) -> str:
    """The worker id one lane (task thread) of a process claims tasks under."""
    return f"{process_id}/{lane}"[:64]


def process_of(worker_id: str) -> str:
    """The process id of a lane's worker id (itself for ids without a lane)."""
    return worker_id.split("/", 1)[0]


def beat(process_id: str, queues: Iterable[str] = ()) -> None:
    """Renew the lease of this worker process (creating its heartbeat row the first time)."""
    from stammkunde.core.models import WorkerHeartbeat

    now = timezone.now()
    renewed = WorkerHeartbeat.objects.filter(worker_id=process_id).update(
        beat_at=now, pid=os.getpid()
    )
    if not renewed:
        WorkerHeartbeat.objects.create(
            worker_id=process_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            queues=",".join(queues)[:255],
            started_at=now,
            beat_at=now,
        )


def end_lease(process_id: str) -> None:
    """Remove the heartbeat row of a worker process that stopped cleanly."""
    from stammkunde.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(worker_id=process_id).delete()


@dataclass
class Recovery:
    """What :func:`recover_abandoned_tasks` did: ids of the tasks run again and failed."""

    rerun: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rerun) + len(self.failed)


def recover_abandoned_tasks(
    *, now: datetime | None = None, dead: Iterable[str] = (), owned_by: Iterable[str] = ()
) -> Recovery:
    """Put back or fail every RUNNING task whose worker is gone.

    A task is abandoned when its worker keeps a lease that has expired (or has no heartbeat
    row at all), when its worker process is listed in ``dead`` (a worker starting under the id
    of one that died, or one stopping), or, for workers without a lease, when it has been
    RUNNING for ``TASK_STALE_AFTER_SECONDS``. ``owned_by`` limits the pass to those processes.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from stammkunde.core.models import WorkerHeartbeat

    now = now or timezone.now()
    dead = set(dead)
    owned_by = set(owned_by)
    lease_cutoff = now - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    stale_cutoff = now - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=lease_cutoff).values_list(
            "worker_id", flat=True
        )
    )
    recovery = Recovery()
    # Few rows: at most one RUNNING task per lane of each worker process.
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        owner = process_of(row.worker_ids[-1]) if row.worker_ids else ""
        if owned_by and owner not in owned_by:
            continue
        if owner in dead:
            abandoned = True
        elif owner.startswith(LEASE_PREFIX):
            abandoned = owner not in alive
        else:
            abandoned = row.started_at is None or row.started_at < stale_cutoff
        if abandoned:
            _recover(row, now, recovery)
    return recovery


def _recover(row: Any, now: datetime, recovery: Recovery) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # Importing the task's module makes its declaration known; a task that no longer exists
    # (or cannot be imported) is not rerunnable, so it is failed.
    with contextlib.suppress(Exception):
        row.task  # noqa: B018
    runs = len(row.worker_ids)
    # Only the row as we read it: a task that finished or was recovered meanwhile stays as is.
    still_abandoned = DBTaskResult.objects.filter(
        pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
    )
    if is_rerunnable(row.task_path) and runs < MAX_RUNS:
        if still_abandoned.update(status=TaskResultStatus.READY):
            logger.warning(
                "task %s (%s) was RUNNING in worker %s, which stopped: queued to run again",
                row.pk,
                row.task_path,
                row.worker_ids[-1] if row.worker_ids else "?",
            )
            recovery.rerun.append(str(row.pk))
        return
    reason = STOPPED_REASON
    if runs >= MAX_RUNS and is_rerunnable(row.task_path):
        reason += f" Its worker stopped {runs} times, so it is not run again."
    if still_abandoned.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
        traceback=reason,
    ):
        logger.warning("task %s (%s) failed: %s", row.pk, row.task_path, reason)
        recovery.failed.append(str(row.pk))
