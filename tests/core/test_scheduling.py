from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stammkunde.connectors.backfill.tasks import reconcile_shops
from stammkunde.core.models import ScheduledRun
from stammkunde.core.scheduling import current_slot, enqueue_due_jobs
from stammkunde.core.tasks import recover_stale_tasks


def test_slot_is_the_start_of_the_period_containing_now():
    now = datetime(2026, 11, 24, 14, 37, tzinfo=UTC)
    assert current_slot(now, timedelta(minutes=10)) == datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    nightly = current_slot(now, timedelta(days=1), timedelta(hours=3))
    assert nightly == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    before_three = datetime(2026, 11, 24, 2, 59, tzinfo=UTC)
    assert current_slot(before_three, timedelta(days=1), timedelta(hours=3)).day == 23


@pytest.mark.django_db
def test_each_slot_is_enqueued_once_however_often_workers_ask():
    # Ten seconds into a minute, so that a second later is still the same (one-minute) slot
    # whenever the test runs.
    now = timezone.now().replace(second=10, microsecond=0)
    first = enqueue_due_jobs(now)
    second = enqueue_due_jobs(now + timedelta(seconds=1))
    assert "recover-stale-tasks" in first
    assert "recover-stale-tasks" not in second
    assert ScheduledRun.objects.filter(job="recover-stale-tasks").count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="recover_stale_tasks").count() == 1


@pytest.mark.django_db
def test_task_left_running_by_a_dead_worker_is_marked_failed():
    # A task claimed by a worker that keeps no lease (no worker id here) counts as abandoned
    # after TASK_STALE_AFTER_SECONDS; one that may not simply run again is failed.
    result = reconcile_shops.enqueue()
    hour_ago = timezone.now() - timedelta(hours=2)
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=hour_ago
    )
    fresh = reconcile_shops.enqueue()
    DBTaskResult.objects.filter(id=fresh.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )
    assert recover_stale_tasks.call() == 1
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(id=fresh.id).status == TaskResultStatus.RUNNING
