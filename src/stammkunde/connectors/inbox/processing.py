"""Processing the webhook inbox in batches: claim, map, apply, record; retries with backoff.

One task claims many waiting deliveries and applies them in one database transaction (each
delivery in its own savepoint, the one ``apply_events`` opens). If the worker dies halfway the
transaction rolls back and the deliveries simply wait again; the periodic sweep re-enqueues the
task, so nothing is lost. On PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED``, so
several workers drain the inbox at once without taking the same delivery; a delivery whose
resource (one order, one customer) has an older delivery still open is deferred, so two updates
of one order are applied in the order they arrived (and ``apply_events`` also refuses updates
older than what we hold). On SQLite one worker processes. Applying one delivery and recording
its outcome (processed, retried, parked) is ``inbox.applying``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.connectors.inbox.applying import (
    BatchResult,
    apply_together,
    process_one,
    retry_or_park_delivery,
)
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.models.inbox import OPEN_STATES
from stammkunde.core.bulk import update_rows
from stammkunde.core.retrying import (
    OUTCOME_FIELDS,
    claim_due_ids,
)

logger = logging.getLogger(__name__)

# How long a delivery waits when an older delivery of the same resource is still open.
DEFER_DELAY = timedelta(seconds=2)
# Deliveries per claim and transaction: big enough to make processing cheap per delivery. The
# time budget keeps each transaction short, since on SQLite it holds the one write lock that
# the web processes need to store new deliveries (shops give up after about 5 seconds).
BATCH_SIZE = 200
BATCH_SECONDS = 0.5


def enqueue_processing(run_after: datetime | None = None) -> None:
    """Make sure a task will process the waiting deliveries (at ``run_after`` at the earliest).

    One waiting task is enough: it drains everything that has been committed when it starts.
    So a new task is only enqueued when none is waiting yet, which keeps the task table from
    growing by one row per delivery.
    """
    from stammkunde.connectors.inbox.services import enqueue_after_receive

    enqueue_after_receive.enqueue(run_after=run_after)


def process_waiting(
    *, limit: int = BATCH_SIZE, now: datetime | None = None, after_id: int = 0
) -> BatchResult:
    """Claim up to ``limit`` waiting deliveries (oldest first) and process them (for at most
    about ``BATCH_SECONDS``; what is left is released and claimed by the next batch).

    One transaction for the whole batch: the claim's row locks are held until the results are
    committed, so no other worker can take the same deliveries, and a crash leaves them waiting.

    ``after_id`` skips deliveries up to that id: a drain passes the previous batch's
    ``resume_after``. On PostgreSQL the index of open deliveries keeps the entries of processed
    ones until vacuum, and a claim from the start walks all of them, slower with every batch of
    a burst. A delivery committed late with a smaller id is found when the drain starts from
    the beginning again (``tasks.process_inbox`` does every few seconds).

    Whatever fails is charged to the delivery that caused it: each delivery is applied in its
    own savepoint and any exception there retries (later parks) that delivery alone; should the
    batch as a whole still fail, its deliveries are worked one by one, each in a transaction of
    its own (:func:`_process_one_at_a_time`). No delivery can stop the inbox.
    """
    now = now or timezone.now()
    try:
        return _process_batch(limit=limit, now=now, after_id=after_id)
    except Exception:
        logger.exception("a batch of the webhook inbox failed; its deliveries go one by one")
    return _process_one_at_a_time(limit=limit, now=now, after_id=after_id)


def _open_deliveries(only_id: int | None = None) -> Any:
    deliveries = WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED)
    return deliveries if only_id is None else deliveries.filter(id=only_id)


def _process_batch(
    *, limit: int, now: datetime, after_id: int, only_id: int | None = None
) -> BatchResult:
    """The body of :func:`process_waiting` (for the delivery ``only_id`` alone, if given)."""
    result = BatchResult()
    retry_at: datetime | None = None
    with transaction.atomic():
        # Lock the ids first, then read the rows (``claim_due_ids``): sorting every waiting
        # delivery with its body (a burst before autovacuum has counted them, when the planner
        # expects a few) spills to disk.
        claimed_ids = claim_due_ids(
            _open_deliveries(only_id), limit=limit, now=now, after_id=after_id
        )
        if not claimed_ids:
            return result
        claimed = list(
            WebhookDelivery.objects.filter(id__in=claimed_ids).select_related("shop").order_by("id")
        )
        blocked = _resources_with_older_open_deliveries(claimed)
        waiting = {
            delivery.id
            for delivery in claimed
            if delivery.resource_key
            and blocked.get((delivery.shop_id, delivery.resource_key), delivery.id) < delivery.id
        }
        applied_together = apply_together(claimed, waiting, now=now, result=result)
        deadline = time.monotonic() + BATCH_SECONDS
        handled = []
        for delivery in claimed:
            if delivery.id in applied_together:
                handled.append(delivery)
                continue
            if len(handled) > len(applied_together) and time.monotonic() > deadline:
                continue  # commit what is done; the rest is claimed again in the next batch
            handled.append(delivery)
            key = (delivery.shop_id, delivery.resource_key)
            if delivery.id in waiting or (
                delivery.resource_key and blocked.get(key, delivery.id) < delivery.id
            ):
                delivery.next_attempt_at = now + DEFER_DELAY
                result.deferred += 1
                retry_at = min(retry_at or delivery.next_attempt_at, delivery.next_attempt_at)
                continue
            process_one(delivery, now=now, result=result)
            if delivery.state == DeliveryState.RECEIVED and delivery.resource_key:
                # Retried later: younger deliveries of this resource must wait for it.
                blocked[key] = min(blocked.get(key, delivery.id), delivery.id)
                retry_at = min(retry_at or delivery.next_attempt_at, delivery.next_attempt_at)
        result.claimed = len(handled)
        still_open = [d.id for d in claimed if d.state == DeliveryState.RECEIVED]
        # Deliveries handled but left open (deferred, retried) and those not reached in time
        # are claimed again: the next pass starts just before the first of them.
        result.resume_after = min(still_open) - 1 if still_open else claimed[-1].id
        _save_outcomes(handled)
        if retry_at is not None:
            transaction.on_commit(lambda: enqueue_processing(run_after=retry_at))
    return result


_OUTCOME_FIELDS = (*OUTCOME_FIELDS, "error_code", "events_count", "result")


def _process_one_at_a_time(*, limit: int, now: datetime, after_id: int) -> BatchResult:
    """Work the due deliveries of a failed batch each in its own transaction; a delivery whose
    transaction fails (somewhere no savepoint caught it) is charged an attempt with the reason.
    """
    with transaction.atomic():
        ids = claim_due_ids(_open_deliveries(), limit=limit, now=now, after_id=after_id)
    result = BatchResult(resume_after=max(ids, default=after_id))
    for delivery_id in ids:
        try:
            one = _process_batch(limit=1, now=now, after_id=delivery_id - 1, only_id=delivery_id)
        except Exception as exc:
            logger.warning("webhook delivery %s failed", delivery_id, exc_info=True)
            _charge_failure(delivery_id, exc, now=now, result=result)
            result.claimed += 1
        else:
            result.add(one)
    return result


def _charge_failure(
    delivery_id: int, exc: BaseException, *, now: datetime, result: BatchResult
) -> None:
    """Count a failed attempt on the delivery (in a transaction of its own): retry or park."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.state != DeliveryState.RECEIVED:
            return
        delivery.attempts += 1
        retry_or_park_delivery(delivery, exc, now=now, result=result)
        delivery.save(update_fields=list(_OUTCOME_FIELDS))
        if delivery.next_attempt_at is not None:
            retry_at = delivery.next_attempt_at
            transaction.on_commit(lambda: enqueue_processing(run_after=retry_at))


def _save_outcomes(deliveries: list[WebhookDelivery]) -> None:
    """Write the outcome fields of a batch with one prepared UPDATE (executemany)."""
    update_rows(deliveries, _OUTCOME_FIELDS)


def _resources_with_older_open_deliveries(claimed: list[WebhookDelivery]) -> dict:
    """For each claimed resource, the oldest open delivery id outside this batch (if older)."""
    claimed_ids = [delivery.id for delivery in claimed]
    keys = {delivery.resource_key for delivery in claimed if delivery.resource_key}
    if not keys:
        return {}
    older = (
        WebhookDelivery.objects.filter(
            state__in=OPEN_STATES, resource_key__in=keys, id__lt=max(claimed_ids)
        )
        .exclude(id__in=claimed_ids)
        .values_list("shop_id", "resource_key", "id")
    )
    blocked: dict[tuple[int, str], int] = {}
    for shop_id, resource_key, delivery_id in older:
        key = (shop_id, resource_key)
        blocked[key] = min(blocked.get(key, delivery_id), delivery_id)
    return blocked


def process_delivery(delivery_id: int) -> WebhookDelivery:
    """Process one waiting delivery now, if nothing older of its resource is open (for tests/CLI).

    The batch path (:func:`process_waiting`) is what the worker uses; this runs the same steps
    for one delivery.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("shop")
            .get(pk=delivery_id)
        )
        if delivery.state != DeliveryState.RECEIVED:
            return delivery
        if delivery.resource_key and _resources_with_older_open_deliveries([delivery]):
            return delivery
        process_one(delivery, now=now, result=BatchResult())
        delivery.save(update_fields=list(_OUTCOME_FIELDS))
    return delivery
