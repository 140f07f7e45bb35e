"""Periodic jobs for the worker: nightly scoring, SLA checks, ladder steps, housekeeping.

Neither django-tasks nor its database backend has a scheduler (and the add-ons need Python
3.12), so the worker runs this small one. Apps register their jobs in ``AppConfig.ready()``;
every worker process calls :func:`enqueue_due_jobs` once a minute, and the unique row per
(job, slot) in :class:`ScheduledRun` lets exactly one of them enqueue each run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django-tasks Task
    every: timedelta
    offset: timedelta = timedelta(0)


_jobs: dict[str, PeriodicJob] = {}


def register_periodic_job(
    name: str, task: Any, *, every: timedelta, offset: timedelta = timedelta(0)
) -> None:
    """Run ``task`` (taking no arguments) once per ``every``, ``offset`` into each period.

    ``every=timedelta(days=1), offset=timedelta(hours=2)`` runs nightly at 02:00 UTC.
    """
    if every < timedelta(minutes=1):
        raise ValueError("periodic jobs run at most once a minute")
    _jobs[name] = PeriodicJob(name, task, every, offset)


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def current_slot(now: datetime, every: timedelta, offset: timedelta = timedelta(0)) -> datetime:
    """Start of the period that contains ``now`` (periods counted from the Unix epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo) + offset
    periods = (now - epoch) // every
    return epoch + periods * every


def enqueue_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue each registered job whose current slot has not been enqueued yet."""
    from stammkunde.core.models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in registered_jobs():
        slot = current_slot(now, job.every, job.offset)
        if slot > now:
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another worker enqueued this slot already
        logger.info("enqueued periodic job %s for %s", job.name, slot)
        enqueued.append(job.name)
    return enqueued
