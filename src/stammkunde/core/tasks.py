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


# A delivery task hands over to a fresh one after this long (never looks stale while busy),
# and claims onward from its last batch for this long before it looks from the start again
# (for an event committed late with a smaller id than those already dispatched).
DELIVERY_MAX_RUN_SECONDS = 300.0
DELIVERY_RESTART_SECONDS = 5.0


@rerunnable  # it claims the deliveries it dispatches: running it again is harmless
@task(queue_name="events")
def deliver_events() -> dict[str, int]:
    """Deliver stored domain events to their subscribers until none is due.

    Enqueued on the commit of whatever published (unless one is waiting already), when a retry
    falls due, and every minute by the scheduler as the sweep that catches anything left
    behind (a process that died between its commit and the enqueue, a worker that was down).
    """
    import time

    from stammkunde.core.event_delivery import (
        ENQUEUE_THROTTLE_SECONDS,
        DeliveryResult,
        dispatch_waiting,
        enqueue_delivery,
        retry_waiting,
    )

    total = DeliveryResult()
    started = restarted = time.monotonic()
    after_id, looked_again = 0, False
    while True:
        dispatched = dispatch_waiting(after_id=after_id)
        retried = retry_waiting()
        total.add(dispatched)
        total.add(retried)
        after_id = dispatched.resume_after
        if time.monotonic() - restarted > DELIVERY_RESTART_SECONDS:
            after_id, restarted = 0, time.monotonic()
        if not dispatched.claimed and not retried.claimed:
            if after_id:
                after_id = 0  # but maybe something committed late before where we got to
                continue
            if looked_again or not total.claimed:
                # Nothing at all to do (the minutely sweep, usually): no process can have
                # counted on this run for an event it committed, since this run found none.
                break
            # A process that saw this task waiting may have skipped enqueueing another for an
            # event committed just now; wait out that window and look once more.
            time.sleep(ENQUEUE_THROTTLE_SECONDS + 0.5)
            looked_again = True
            continue
        looked_again = False
        if time.monotonic() - started > DELIVERY_MAX_RUN_SECONDS:
            enqueue_delivery.enqueue()
            break
    return {
        "events": total.claimed,
        "delivered": total.delivered,
        "retried": total.retried,
        "parked": total.parked,
    }


# Dispatched events are kept this long for the admin page, then deleted with their deliveries
# (unless a delivery is still waiting or parked: those stay until delivered again).
EVENT_RETENTION_DAYS = 90


@rerunnable
@task()
def prune_dispatched_events() -> int:
    """Delete events dispatched more than EVENT_RETENTION_DAYS ago whose deliveries are done."""
    from stammkunde.core.models import EventDelivery, EventDeliveryState, StoredEvent

    cutoff = timezone.now() - timedelta(days=EVENT_RETENTION_DAYS)
    unfinished = EventDelivery.objects.exclude(state=EventDeliveryState.DELIVERED).values(
        "event_id"
    )
    deleted, _ = (
        StoredEvent.objects.filter(dispatched_at__lt=cutoff).exclude(id__in=unfinished).delete()
    )
    return deleted
