"""Housekeeping tasks of the task queue itself."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task


@task()
def recover_stale_tasks() -> int:
    """Mark tasks FAILED whose worker died mid-run (they would stay RUNNING forever).

    They are not re-run automatically: only the task's own domain knows whether running it
    again is safe, and every domain that needs retries keeps its own state (e.g. an inbox).
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="stammkunde.core.tasks.StaleTask",
        traceback="The worker running this task stopped before it finished.",
    )


@task()
def prune_finished_tasks() -> int:
    """Delete successful task results older than 14 days and failed ones older than 90."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    done, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - timedelta(days=14)
    ).delete()
    failed, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - timedelta(days=90)
    ).delete()
    return done + failed
