"""A long job never holds up a short one: every queue has its own worker thread."""

import time

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from stammkunde.analytics.tasks import run_analysis_now, score_customers_nightly
from stammkunde.connectors.backfill.tasks import reconcile_shops
from stammkunde.connectors.tasks import process_inbox
from stammkunde.core.lanes import WorkerProcess, lanes_for
from tests.core import slow_tasks


def wait_for(condition, *, seconds: float = 60.0) -> bool:
    """Poll ``condition`` until it holds or the (generous) deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def status(task_id) -> str:
    return DBTaskResult.objects.get(id=task_id).status


def test_the_tasks_run_on_their_queues():
    assert process_inbox.queue_name == "intake"
    assert score_customers_nightly.queue_name == "long"
    assert run_analysis_now.queue_name == "long"
    assert reconcile_shops.queue_name == "long"


def test_every_queue_is_a_lane_of_its_own_by_default(settings):
    settings.TASK_WORKER_LANES = {"intake": ["intake"], "slow": ["long", "imports"]}
    assert lanes_for(["*"]) == {"intake": ["intake"], "slow": ["long", "imports"]}
    assert lanes_for(["long", "mail"]) == {"slow": ["long"], "mail": ["mail"]}


@pytest.mark.django_db(transaction=True)
def test_an_intake_task_completes_while_a_long_task_runs():
    slow_tasks.release.clear()
    process = WorkerProcess(
        "stammkunde-lanes-test",
        {"intake": ["intake"], "long": ["long"]},
        interval=0.2,
        scheduler=False,
    )
    process.start()
    try:
        slow = slow_tasks.slow_until_released.enqueue()
        assert wait_for(lambda: status(slow.id) == TaskResultStatus.RUNNING)

        quick = slow_tasks.quick.enqueue()

        assert wait_for(lambda: status(quick.id) == TaskResultStatus.SUCCESSFUL)
        assert status(slow.id) == TaskResultStatus.RUNNING
        slow_tasks.release.set()
        assert wait_for(lambda: status(slow.id) == TaskResultStatus.SUCCESSFUL)
    finally:
        slow_tasks.release.set()
        assert process.shutdown(grace=30) == []
