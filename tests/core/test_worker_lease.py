"""Leases on running tasks: a dead worker's tasks are run again or failed within minutes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stammkunde.connectors.backfill.tasks import reconcile_shops
from stammkunde.connectors.tasks import process_inbox
from stammkunde.core.lanes import WorkerProcess
from stammkunde.core.lease import is_rerunnable, recover_abandoned_tasks
from stammkunde.core.models import WorkerHeartbeat
from stammkunde.core.tasks import recover_stale_tasks

pytestmark = pytest.mark.django_db


def running(task, worker_ids, *, started_minutes_ago: float = 5):
    """A task row as a worker leaves it while it runs the task."""
    result = task.enqueue()
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(minutes=started_minutes_ago),
        worker_ids=worker_ids,
    )
    return result.id


def heartbeat(worker_id: str, *, seconds_ago: float) -> None:
    at = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=at, beat_at=at)


def status(task_id) -> str:
    return DBTaskResult.objects.get(id=task_id).status


def test_the_drains_and_the_scoring_may_run_again_the_reconciliation_may_not():
    assert is_rerunnable(process_inbox.module_path)
    assert is_rerunnable("stammkunde.core.tasks.deliver_events")
    assert is_rerunnable("stammkunde.analytics.tasks.score_customers_nightly")
    assert not is_rerunnable(reconcile_shops.module_path)


def test_tasks_of_a_worker_whose_lease_expired_are_queued_again_or_failed_with_the_reason(
    settings,
):
    settings.TASK_LEASE_SECONDS = 120
    heartbeat("stammkunde-dead", seconds_ago=121)
    drain = running(process_inbox, ["stammkunde-dead/intake"])
    reconcile = running(reconcile_shops, ["stammkunde-dead/long"])

    recovery = recover_abandoned_tasks()

    assert recovery.rerun == [str(drain)]
    assert recovery.failed == [str(reconcile)]
    assert status(drain) == TaskResultStatus.READY
    failed = DBTaskResult.objects.get(id=reconcile)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "stammkunde.core.lease.WorkerStopped"
    assert "worker running this task stopped" in failed.traceback
    # The queued-again drain is one a worker picks up like any other.
    assert DBTaskResult.objects.ready().filter(id=drain).exists()


def test_tasks_of_a_worker_that_still_beats_are_left_alone(settings):
    settings.TASK_LEASE_SECONDS = 120
    heartbeat("stammkunde-alive", seconds_ago=30)
    drain = running(process_inbox, ["stammkunde-alive/intake"], started_minutes_ago=600)

    assert len(recover_abandoned_tasks()) == 0
    assert status(drain) == TaskResultStatus.RUNNING


def test_a_leased_worker_without_any_heartbeat_row_is_dead():
    drain = running(process_inbox, ["stammkunde-gone/intake"], started_minutes_ago=0)

    assert recover_stale_tasks.call() == 1
    assert status(drain) == TaskResultStatus.READY


def test_a_worker_without_a_lease_is_judged_by_the_stale_after_setting(settings):
    settings.TASK_STALE_AFTER_SECONDS = 3600
    old = running(reconcile_shops, ["plain-db-worker"], started_minutes_ago=61)
    young = running(reconcile_shops, ["plain-db-worker"], started_minutes_ago=59)

    assert recover_stale_tasks.call() == 1
    assert status(old) == TaskResultStatus.FAILED
    assert status(young) == TaskResultStatus.RUNNING


def test_a_task_that_keeps_killing_its_worker_is_failed_after_three_runs():
    ids = ["stammkunde-a/intake", "stammkunde-b/intake", "stammkunde-c/intake"]
    drain = running(process_inbox, ids)

    recover_abandoned_tasks()

    failed = DBTaskResult.objects.get(id=drain)
    assert failed.status == TaskResultStatus.FAILED
    assert "stopped 3 times" in failed.traceback


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_under_a_dead_ones_id_takes_over_its_tasks_at_once(settings):
    # serve restarts a killed worker under the same id a second later, before its lease expires.
    settings.TASK_LEASE_SECONDS = 120
    heartbeat("stammkunde-w1-quick", seconds_ago=1)
    drain = running(process_inbox, ["stammkunde-w1-quick/intake"], started_minutes_ago=0)
    other = running(process_inbox, ["stammkunde-w2-quick/intake"], started_minutes_ago=0)
    heartbeat("stammkunde-w2-quick", seconds_ago=1)

    process = WorkerProcess("stammkunde-w1-quick", {"mail": ["mail"]}, scheduler=False)
    process.start()
    try:
        assert status(drain) == TaskResultStatus.READY
        assert status(other) == TaskResultStatus.RUNNING  # another live process's task
    finally:
        assert process.shutdown(grace=30) == []
    assert not WorkerHeartbeat.objects.filter(worker_id="stammkunde-w1-quick").exists()
