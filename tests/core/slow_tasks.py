"""Tasks for the worker tests: one that runs until the test lets it finish, one that is quick."""

from __future__ import annotations

import threading

from django_tasks import task

# Set by the test when the slow task may finish (worker threads run in the test's process).
release = threading.Event()


@task(queue_name="long")
def slow_until_released() -> str:
    """Stand-in for the nightly scoring: busy until the test says it is done."""
    if not release.wait(timeout=120):
        raise TimeoutError("the test never released the slow task")
    return "slow done"


@task(queue_name="intake")
def quick() -> str:
    """Stand-in for draining the webhook inbox."""
    return "quick done"
