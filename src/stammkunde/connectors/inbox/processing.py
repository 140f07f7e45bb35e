"""Processing the webhook inbox in batches: map, claim, apply, record; retries with backoff.

One task reads and maps many waiting deliveries outside any transaction, then claims them and
applies them in one short database transaction (each delivery in its own savepoint, the one
``apply_events`` opens). If the worker dies halfway the transaction rolls back and the
deliveries simply wait again; the periodic sweep re-enqueues the task, so nothing is lost. On
PostgreSQL the claim is ``SELECT ... FOR UPDATE SKIP LOCKED``, so several workers drain the
inbox at once without taking the same delivery; a delivery whose resource (one order, one
customer) has an older delivery still open is deferred, so two updates of one order are
applied in the order they arrived (and ``apply_events`` also refuses updates older than what
we hold). On SQLite one worker processes. Applying one delivery and recording
its outcome (processed, retried, parked) is ``inbox.applying``.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from stammkunde.connectors.inbox.applying import (
    BatchResult,
    Preparation,
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
from stammkunde.shop.models import Shop

logger = logging.getLogger(__name__)

# How long a delivery waits when an older delivery of the same resource is still open.
DEFER_DELAY = timedelta(seconds=2)
# Deliveries per claim and transaction: big enough to make processing cheap per delivery. The
# time budgets keep each write transaction short, since on SQLite it holds the one write lock
# that the web processes need to store new deliveries (shops give up after about 5 seconds),
# and the worker runs at a lower CPU priority than the web processes (core.supervisor), so
# a long transaction would keep them waiting all the longer. BATCH_SECONDS bounds the
# one-by-one part of a batch; the drain sizes its batches so that a transaction costs about
# WRITE_BUDGET_SECONDS of CPU (``next_limit``).
BATCH_SIZE = 200
BATCH_SECONDS = 0.1
WRITE_BUDGET_SECONDS = 0.075
# A round of the batch path after the first one that would apply fewer deliveries than this is
# left to the next batch when more deliveries wait (a round is about thirty statements).
MIN_ROUND = 10


def enqueue_processing(run_after: datetime | None = None) -> None:
    """Make sure a task will process the waiting deliveries (at ``run_after`` at the earliest).

    One waiting task is enough: it drains everything that has been committed when it starts.
    So a new task is only enqueued when none is waiting yet, which keeps the task table from
    growing by one row per delivery.
    """
    from stammkunde.connectors.inbox.services import enqueue_after_receive

    enqueue_after_receive.enqueue(run_after=run_after)


def next_limit(batch: BatchResult) -> int:
    """How many deliveries the drain's next batch claims: about what fits into the write
    budget at the CPU cost per delivery the last batch's transaction had, never more than
    half again what it handled (claiming and mapping more than get applied is wasted work)."""
    limit = batch.claimed * 3 // 2
    if batch.claimed and batch.write_seconds > 0:
        limit = min(limit, int(batch.claimed * WRITE_BUDGET_SECONDS / batch.write_seconds))
    return max(10, min(BATCH_SIZE, limit))


def process_waiting(
    *, limit: int = BATCH_SIZE, now: datetime | None = None, after_id: int = 0
) -> BatchResult:
    """Map up to ``limit`` waiting deliveries (oldest first), then claim and process them (the
    one-by-one ones for at most about ``BATCH_SECONDS``; what is left is released and claimed
    by the next batch).

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
    preparation = _prepare(limit=limit, now=now, after_id=after_id, only_id=only_id)
    if not preparation.mapped:
        return result
    retry_at: datetime | None = None
    cpu_started = time.thread_time()
    with transaction.atomic():
        # Lock the ids first, then read the rows (``claim_due_ids``): sorting every waiting
        # delivery with its body (a burst before autovacuum has counted them, when the planner
        # expects a few) spills to disk. The bodies were read and mapped before; only those
        # the preparation did not see (another worker held them, or they committed since)
        # are read and mapped here.
        claimed_ids = claim_due_ids(
            _open_deliveries(only_id), limit=limit, now=now, after_id=after_id
        )
        if not claimed_ids:
            return result
        claimed = _with_shops(
            WebhookDelivery.objects.filter(id__in=claimed_ids)
            .defer("body", "headers")
            .order_by("id")
        )
        _read_bodies([d for d in claimed if d.id not in preparation.mapped])
        blocked = _resources_with_older_open_deliveries(claimed)
        waiting = {
            delivery.id
            for delivery in claimed
            if delivery.resource_key
            and blocked.get((delivery.shop_id, delivery.resource_key), delivery.id) < delivery.id
        }
        # A full claim of a good size means more deliveries wait: a small last round of the
        # batch path is left to the next batch, where it joins a full one (``apply_batch``'s
        # min_round). A small claim (a trickle of deliveries) applies all its rounds.
        postpone = len(claimed) >= limit >= 3 * MIN_ROUND
        applied_together, postponed = apply_together(
            claimed,
            waiting,
            now=now,
            result=result,
            preparation=preparation,
            min_round=MIN_ROUND if postpone else 0,
        )
        deadline = time.monotonic() + BATCH_SECONDS
        handled = []
        for delivery in claimed:
            if delivery.id in applied_together:
                handled.append(delivery)
                continue
            if postponed is not None and delivery.id >= postponed:
                continue  # left open for the next batch, like the deliveries after it
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
            process_one(delivery, now=now, result=result, mapped=preparation.events_of(delivery))
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
        _carry(preparation, [d.id for d in claimed if d.state == DeliveryState.RECEIVED])
        if retry_at is not None:
            transaction.on_commit(lambda: enqueue_processing(run_after=retry_at))
    result.write_seconds = time.thread_time() - cpu_started
    return result


def _prepare(
    *, limit: int, now: datetime, after_id: int, only_id: int | None = None
) -> Preparation:
    """Read and map the deliveries the next claim will most likely take, outside its write
    transaction: parsing, mapping and the batch path's order inputs are about a quarter of a
    batch's CPU work, and on SQLite the write transaction holds the one write lock every web
    process needs to store a delivery (a worker at a low CPU priority must not hold it long).

    Nothing is locked for long: on PostgreSQL the ids are taken with ``SKIP LOCKED`` in a
    moment's transaction, so deliveries another worker is applying are left to it; SQLite
    reads without a transaction (``select_for_update`` is a no-op there).
    """
    atomic = transaction.atomic() if connection.features.has_select_for_update else nullcontext()
    with atomic:
        ids = claim_due_ids(_open_deliveries(only_id), limit=limit, now=now, after_id=after_id)
    preparation = _carried_over(ids)
    unprepared = [id_ for id_ in ids if id_ not in preparation.mapped]
    if unprepared:
        rows = WebhookDelivery.objects.filter(id__in=unprepared).defer("headers", "result")
        for delivery in _with_shops(rows):
            preparation.add(delivery)
    return preparation


# What the last batch of this thread prepared for deliveries it left open (postponed, not
# reached in time, retried): the next batch takes them up again without mapping them anew.
_carried = threading.local()


def _carry(preparation: Preparation, ids: list[int]) -> None:
    """Keep the preparation of ``ids`` (left open by this batch) for the thread's next one."""
    mapped = preparation.mapped
    _carried.preparation = Preparation(
        # Mapped events only: a mapping that failed is tried again, as it always was.
        {i: mapped[i] for i in ids if isinstance(mapped.get(i), list)},
        {i: preparation.prepared[i] for i in ids if i in preparation.prepared},
    )


def _carried_over(ids: list[int]) -> Preparation:
    """A preparation holding what this thread's previous batch carried of ``ids``; the rest of
    the carried preparation is dropped (a body never changes, so what was mapped still holds;
    bounded by one batch)."""
    carried = getattr(_carried, "preparation", None) or Preparation()
    _carried.preparation = None
    return Preparation(
        {i: carried.mapped[i] for i in ids if i in carried.mapped},
        {i: carried.prepared[i] for i in ids if i in carried.prepared},
    )


def _with_shops(deliveries: Any) -> list[WebhookDelivery]:
    """The deliveries with their shop set, one instance per shop read with one query (a
    ``select_related`` builds a shop for every row)."""
    deliveries = list(deliveries)
    shops = Shop.objects.in_bulk({delivery.shop_id for delivery in deliveries})
    for delivery in deliveries:
        delivery.shop = shops[delivery.shop_id]
    return deliveries


def _read_bodies(deliveries: list[WebhookDelivery]) -> None:
    """Load the deferred bodies of ``deliveries`` with one query."""
    if deliveries:
        bodies = dict(
            WebhookDelivery.objects.filter(id__in=[d.id for d in deliveries]).values_list(
                "id", "body"
            )
        )
        for delivery in deliveries:
            delivery.body = bodies[delivery.id]


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
