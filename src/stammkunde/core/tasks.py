"""Housekeeping tasks of the task queue itself."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from stammkunde.core.lease import rerunnable


@rerunnable
@task()
def recover_stale_tasks() -> int:
    """Run again or fail the tasks left RUNNING by a worker that died (see core.lease).

    Returns how many tasks it recovered. Runs every minute, and when a worker starts.
    """
    from stammkunde.core.lease import recover_abandoned_tasks

    return len(recover_abandoned_tasks())


@rerunnable
@task()
def prune_finished_tasks() -> int:
    """Delete successful task results older than 14 days and failed ones older than 90.

    Also forgets the heartbeats of worker processes silent for a day (they died long ago).
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from stammkunde.core.models import WorkerHeartbeat

    now = timezone.now()
    done, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=14)
    ).delete()
    failed, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - timedelta(days=90)
    ).delete()
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    return done + failed
