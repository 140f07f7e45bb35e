"""Delivering stored domain events to their subscribers (run by ``core.tasks.deliver_events``).

Two passes, each one transaction that holds its claim (``core.retrying``):

* **dispatch** claims events not yet handed out, oldest first, calls each subscriber of each
  event (all calls of the pass in one savepoint; if one fails, that savepoint rolls back and
  the pass is done again with a savepoint per call, so only the failing call is charged),
  records one ``EventDelivery`` row per (event, subscriber) (delivered, or waiting for another
  attempt) with one INSERT, and marks the events dispatched;
* **retry** claims the deliveries whose next attempt is due and calls their subscriber again;
  a subscriber that keeps failing is parked with the reason, until staff deliver it again.

A failing subscriber is retried alone: the others never see the event again. There is no
order across retries (a subscriber may get a newer event before an older one it failed on).
If the worker dies mid-pass, the transaction rolls back (subscribers' database effects with
it) and the events wait for the next pass; the minutely sweep enqueues one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core.bulk import insert_ignore, update_rows
from stammkunde.core.events import (
    DomainEvent,
    Subscriber,
    decode_event,
    subscriber_named,
    subscribers_of,
)
from stammkunde.core.models import EventDelivery, EventDeliveryState, StoredEvent
from stammkunde.core.origin import event_origin
from stammkunde.core.retrying import (
    OUTCOME_FIELDS,
    RetrySchedule,
    ThrottledEnqueue,
    claim_due_ids,
    park,
    reopen,
    retry_or_park,
)

logger = logging.getLogger(__name__)

# A failing subscriber is tried again after 10 s, 20 s, 40 s ... (six tries in about five
# minutes), then parked.
RETRY_SCHEDULE = RetrySchedule(max_attempts=6, base_delay=timedelta(seconds=10))
# Events per claim and transaction, and the time budget that keeps the transaction short (on
# SQLite it holds the one write lock, which the web processes need for every webhook delivery;
# the embedded worker runs at a low CPU priority, so its transactions must be short).
BATCH_SIZE = 500
BATCH_SECONDS = 0.1
ENQUEUE_THROTTLE_SECONDS = 1.0


def _deliver_events_task() -> Any:
    from stammkunde.core.tasks import deliver_events

    return deliver_events


# Called on the commit of every transaction that published: at most one query a second.
enqueue_delivery = ThrottledEnqueue(_deliver_events_task, throttle_seconds=ENQUEUE_THROTTLE_SECONDS)


@dataclass
class DeliveryResult:
    """What one pass did: events or deliveries claimed, and the outcomes per subscriber."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    # Where the next dispatch pass of the same drain may start (see ``dispatch_waiting``).
    resume_after: int = 0

    def add(self, other: DeliveryResult) -> None:
        for field in dataclasses.fields(self):
            if field.name != "resume_after":
                setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


_DELIVERY_COLUMNS = (
    "event_id",
    "subscriber",
    "state",
    "attempts",
    "next_attempt_at",
    "error",
    "processed_at",
)


def dispatch_waiting(
    *, limit: int = BATCH_SIZE, now: datetime | None = None, after_id: int = 0
) -> DeliveryResult:
    """Hand up to ``limit`` undispatched events (after ``after_id``) to their subscribers."""
    now = now or timezone.now()
    result = DeliveryResult(resume_after=after_id)
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic():
        ids = claim_due_ids(
            StoredEvent.objects.filter(dispatched_at__isnull=True),
            limit=limit,
            now=now,
            after_id=after_id,
            due=False,
        )
        if not ids:
            return result
        rows = list(
            StoredEvent.objects.filter(id__in=ids)
            .order_by("id")
            .values_list("id", "name", "payload", "origin", "occurred_at")
        )
        handled: list[int] = []
        calls: list[tuple[int, str, BaseException | None]] = []
        try:
            # Optimistic: all calls of the pass in one savepoint (a savepoint per call costs two
            # round trips, more than a cheap subscriber). Should any call fail, that savepoint
            # rolls back every call's database effects and the pass is done again carefully,
            # one savepoint per call, so that only the failing one is charged.
            with transaction.atomic():
                _call_subscribers(rows, handled, calls, guarded=False)
        except Exception:
            handled[:], calls[:] = [], []
            _call_subscribers(rows, handled, calls, guarded=True)
        outcomes: list[tuple] = []
        retry_at: datetime | None = None
        for event_id, subscriber_name, failure in calls:
            item = EventDelivery(state=EventDeliveryState.DELIVERED, attempts=1)
            _record(item, failure, now=now, result=result)
            if item.next_attempt_at is not None:
                retry_at = min(retry_at or item.next_attempt_at, item.next_attempt_at)
            outcomes.append(
                (
                    event_id,
                    subscriber_name,
                    item.state,
                    item.attempts,
                    adapt(item.next_attempt_at),
                    item.error,
                    adapt(item.processed_at),
                )
            )
        insert_ignore(
            EventDelivery, _DELIVERY_COLUMNS, outcomes, conflict=("event_id", "subscriber")
        )
        StoredEvent.objects.filter(id__in=handled).update(dispatched_at=now)
        _enqueue_retry_on_commit(retry_at)
    result.claimed = len(handled)
    result.resume_after = handled[-1]
    return result


def _call_subscribers(
    rows: list[tuple],
    handled: list[int],
    calls: list[tuple[int, str, BaseException | None]],
    *,
    guarded: bool,
) -> None:
    """Call every subscriber of each event in ``rows`` (for about BATCH_SECONDS), appending
    the events handled and (event id, subscriber, failure) per call.

    Unguarded, a failing call raises (the caller's savepoint rolls back all of them);
    guarded, each call runs in a savepoint of its own and its failure is recorded.
    """
    deadline = time.monotonic() + BATCH_SECONDS
    for event_id, name, payload, origin, occurred_at in rows:
        if handled and time.monotonic() > deadline:
            break  # commit what is done; the rest is claimed by the next pass
        handled.append(event_id)
        subscribers = subscribers_of(name)
        if not subscribers:
            continue
        event, problem = _decoded(name, payload, occurred_at, origin, event_id)
        for subscriber in subscribers:
            if guarded:
                calls.append((event_id, subscriber.name, problem or _attempt(subscriber, event)))
                continue
            if problem is not None:
                raise problem
            with event_origin(event.origin):
                subscriber.handler(event)
            calls.append((event_id, subscriber.name, None))


def retry_waiting(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> DeliveryResult:
    """Call the subscribers of up to ``limit`` deliveries whose next attempt is due again."""
    now = now or timezone.now()
    result = DeliveryResult()
    with transaction.atomic():
        ids = claim_due_ids(
            EventDelivery.objects.filter(state=EventDeliveryState.WAITING), limit=limit, now=now
        )
        if not ids:
            return result
        deliveries = list(
            EventDelivery.objects.filter(id__in=ids).select_related("event").order_by("id")
        )
        deadline = time.monotonic() + BATCH_SECONDS
        handled = []
        retry_at: datetime | None = None
        for delivery in deliveries:
            if handled and time.monotonic() > deadline:
                break
            handled.append(delivery)
            delivery.attempts += 1
            subscriber = subscriber_named(delivery.subscriber)
            if subscriber is None:
                park(
                    delivery,
                    _("The subscriber %(name)s is no longer registered.")
                    % {"name": delivery.subscriber},
                    now=now,
                    state=EventDeliveryState.PARKED,
                )
                result.parked += 1
                continue
            stored = delivery.event
            event, problem = _decoded(
                stored.name, stored.payload, stored.occurred_at, stored.origin, stored.pk
            )
            _record(delivery, problem or _attempt(subscriber, event), now=now, result=result)
            if delivery.next_attempt_at is not None:
                retry_at = min(retry_at or delivery.next_attempt_at, delivery.next_attempt_at)
        update_rows(handled, OUTCOME_FIELDS)
        _enqueue_retry_on_commit(retry_at)
    result.claimed = len(handled)
    return result


def _decoded(
    name: str, payload: Any, occurred_at: datetime, origin: str, event_id: int
) -> tuple[DomainEvent | None, BaseException | None]:
    if isinstance(payload, str):  # a JSON column read without its decoder (raw SQLite)
        payload = json.loads(payload)
    try:
        event = decode_event(
            name, payload, occurred_at=occurred_at, origin=origin, event_id=event_id
        )
    except Exception as exc:
        return None, exc
    return event, None


def _attempt(subscriber: Subscriber, event: DomainEvent | None) -> BaseException | None:
    """Call the subscriber in a savepoint, with the event's origin as the current one (what it
    publishes in turn inherits it: the effects of history are history); return its exception."""
    try:
        with transaction.atomic(), event_origin(event.origin):
            subscriber.handler(event)
    except Exception as exc:
        logger.warning(
            "subscriber %s failed on event %s", subscriber.name, event.event_id, exc_info=True
        )
        return exc
    return None


def _record(
    delivery: EventDelivery, failure: BaseException | None, *, now: datetime, result: Any
) -> None:
    """Set the outcome of an attempt (``attempts`` already counts it) on ``delivery``."""
    if failure is None:
        delivery.state = EventDeliveryState.DELIVERED
        delivery.processed_at = now
        delivery.next_attempt_at = None
        delivery.error = ""
        result.delivered += 1
        return
    delivery.state = EventDeliveryState.WAITING
    if retry_or_park(
        delivery,
        failure,
        now=now,
        schedule=RETRY_SCHEDULE,
        parked_state=EventDeliveryState.PARKED,
    ):
        result.parked += 1
    else:
        result.retried += 1


def _enqueue_retry_on_commit(retry_at: datetime | None) -> None:
    if retry_at is not None:
        transaction.on_commit(lambda: enqueue_delivery.enqueue(run_after=retry_at))


@transaction.atomic
def redeliver(delivery: EventDelivery) -> EventDelivery:
    """Deliver an event to one subscriber again (a parked delivery after a fix, or a delivered
    one on purpose), with a fresh set of attempts. Staff go through the audited service
    ``audit.operations.redeliver_event``."""
    delivery = EventDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state == EventDeliveryState.WAITING:
        raise ValueError(_("This delivery is waiting for its next attempt already."))
    delivery.save(update_fields=reopen(delivery, state=EventDeliveryState.WAITING))
    transaction.on_commit(enqueue_delivery.enqueue)
    return delivery
