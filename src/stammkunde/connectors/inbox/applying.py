"""Applying one delivery of the webhook inbox and recording its outcome on the instance:
mapped and applied in a savepoint (again at once if it lost a race against another worker),
then processed, retried after a growing pause or parked with its reason. The batch loop that
claims and commits is ``processing``; the set-based path for a batch of independent orders is
``connectors.batch_applying``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from stammkunde.connectors.inbox.failures import is_transient, lost_a_race
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.platforms import PayloadError, adapter_for
from stammkunde.core import error_reasons
from stammkunde.core.error_reasons import reason_of
from stammkunde.core.origin import Origin, event_origin
from stammkunde.core.retrying import RetrySchedule, error_text, park, retry_or_park

logger = logging.getLogger(__name__)

# An unexpected error (database hiccup, a bug fixed by the next deploy) is retried this often,
# waiting RETRY_BASE_DELAY, then twice as long each time; then the delivery is parked as failed.
MAX_ATTEMPTS = 5
RETRY_BASE_DELAY = timedelta(seconds=30)
RETRY_SCHEDULE = RetrySchedule(MAX_ATTEMPTS, RETRY_BASE_DELAY)


@dataclass
class BatchResult:
    """What one pass over the inbox did (counts of deliveries, and of events applied)."""

    claimed: int = 0
    processed: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    events: int = 0
    # Every delivery this pass claimed and left open has a larger id: where the next pass of
    # the same drain may start (``process_waiting(after_id=...)``).
    resume_after: int = 0
    # CPU seconds the worker's thread spent in the pass's write transaction.
    write_seconds: float = 0.0

    def add(self, other: BatchResult) -> None:
        for field in dataclasses.fields(self):
            if field.name != "resume_after":
                setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


# A delivery's normalized events, or why its body could not be mapped (raised again when the
# delivery is applied, so the one-by-one path records it as if it had mapped just then).
Mapped = list | Exception


@dataclass
class Preparation:
    """The CPU work of a batch done before its write transaction, by delivery id: the mapped
    events and the batch path's view of each (``batch_applying.prepare``)."""

    mapped: dict[int, Mapped] = dataclasses.field(default_factory=dict)
    prepared: dict[int, Any] = dataclasses.field(default_factory=dict)

    def add(self, delivery: WebhookDelivery) -> None:
        """Map ``delivery`` (its body read already) and prepare it for the batch path."""
        from stammkunde.connectors.batch_applying import prepare

        mapped = map_delivery(delivery)
        self.mapped[delivery.id] = mapped
        if isinstance(mapped, list):
            try:
                self.prepared[delivery.id] = prepare(delivery.shop, mapped)
            except Exception:
                logger.warning("preparing delivery %s failed", delivery.id, exc_info=True)

    def events_of(self, delivery: WebhookDelivery) -> Mapped:
        """The delivery's mapped events (mapped now if it was not prepared)."""
        if delivery.id not in self.mapped:
            self.mapped[delivery.id] = map_delivery(delivery)
        return self.mapped[delivery.id]


def apply_together(
    claimed: list[WebhookDelivery],
    waiting: set[int],
    *,
    now: datetime,
    result: BatchResult,
    preparation: Preparation,
    min_round: int = 0,
) -> tuple[set[int], int | None]:
    """Apply the batch's independent order deliveries set-based (``batch_applying``); mark
    them processed and return their ids, and the first id the batch path postponed (with
    ``min_round``: see ``apply_batch``; that one and every later delivery not applied are left
    for the next batch). The others are applied one by one afterwards."""
    from stammkunde.connectors.batch_applying import apply_batch

    done: set[int] = set()
    first_postponed: int | None = None
    by_shop: dict[tuple[int, str], list[WebhookDelivery]] = {}
    for delivery in claimed:
        by_shop.setdefault((delivery.shop_id, delivery.source), []).append(delivery)
    for (_shop_id, source), deliveries in by_shop.items():
        mapped = [preparation.events_of(delivery) for delivery in deliveries]
        batch = [events if isinstance(events, list) else None for events in mapped]
        prepared = [preparation.prepared.get(delivery.id) for delivery in deliveries]
        held_back = {index for index, d in enumerate(deliveries) if d.id in waiting}
        postponed: set[int] = set()
        try:
            # A savepoint of its own: whatever goes wrong (a value no rule foresaw, a bug)
            # leaves nothing behind, and the shop's deliveries go one by one, where each
            # failure is charged to the delivery that caused it.
            with transaction.atomic(), event_origin(origin_of(source)):
                applied = apply_batch(
                    deliveries[0].shop,
                    batch,
                    held_back=held_back,
                    prepared=prepared,
                    min_round=min_round,
                    postponed=postponed,
                )
        except Exception:
            logger.warning("the batch path failed; deliveries go one by one", exc_info=True)
            continue
        if postponed:
            first = deliveries[min(postponed)].id
            first_postponed = first if first_postponed is None else min(first_postponed, first)
        for delivery, events, outcome in zip(deliveries, batch, applied, strict=True):
            if outcome is None or events is None:
                continue
            delivery.attempts += 1
            mark_processed(delivery, events, outcome, now=now)
            result.processed += 1
            result.events += len(events)
            done.add(delivery.id)
    return done, first_postponed


def map_delivery(delivery: WebhookDelivery) -> Mapped:
    """The delivery's normalized events, or the exception that mapping raised (PayloadError
    for a body the platform's rules refuse)."""
    try:
        adapter = adapter_for(delivery.platform)
        return adapter.map(delivery.topic, adapter.parse(bytes(delivery.body)))
    except Exception as exc:
        return exc


def mark_processed(delivery: WebhookDelivery, events: list, applied: Any, *, now: datetime) -> None:
    """Record on the instance that the delivery was applied (saved by the batch's UPDATE)."""
    delivery.state = DeliveryState.PROCESSED
    delivery.processed_at = now
    delivery.next_attempt_at = None
    delivery.error = ""
    delivery.error_code = ""
    delivery.events_count = len(events)
    delivery.result = touched(applied)


def origin_of(source: str) -> str:
    """The origin of the events a delivery causes: posted to the REST API, or a live webhook."""
    return Origin.API if source == "api" else Origin.WEBHOOK


def process_one(
    delivery: WebhookDelivery, *, now: datetime, result: BatchResult, mapped: Mapped | None = None
) -> None:
    """Apply one claimed delivery (mapped before, or now) in a savepoint; record the outcome
    on the instance."""
    from stammkunde.connectors.applying import ApplyError

    delivery.attempts += 1
    try:
        events, applied = apply_with_race_retries(delivery, mapped=mapped)
    except (PayloadError, ApplyError, KeyError) as exc:
        if is_transient(exc):
            retry_or_park_delivery(delivery, exc, now=now, result=result)
        else:
            # The delivery itself is wrong: trying again cannot help until someone fixes it.
            park_delivery(delivery, error_text(exc), now=now, code=reason_of(exc))
            result.failed += 1
    except Exception as exc:
        logger.warning("processing webhook delivery %s failed", delivery.id, exc_info=True)
        retry_or_park_delivery(delivery, exc, now=now, result=result)
    else:
        mark_processed(delivery, events, applied, now=now)
        result.processed += 1
        result.events += len(events)


# Immediate re-tries of one delivery when it lost a race against another worker.
RACE_RETRIES = 2


def apply_with_race_retries(
    delivery: WebhookDelivery, *, mapped: Mapped | None = None
) -> tuple[list, Any]:
    """Apply in a savepoint; again at once if another worker won a race meanwhile. ``mapped``
    is the delivery's events (or mapping's exception), mapped before the transaction; without
    it the body is mapped here.

    Two workers applying the first orders of one new customer both look the customer up, find
    nothing, and insert: one insert wins, the other fails on the unique e-mail (or, with
    shared rows locked in opposite order, PostgreSQL cancels one as a deadlock). By the time
    the loser's statement failed the winner has committed, so a second try finds its rows.
    """
    from stammkunde.connectors.applying import apply_events

    events = map_delivery(delivery) if mapped is None else mapped
    if isinstance(events, Exception):
        raise events
    for attempt in range(RACE_RETRIES + 1):
        try:
            # apply_events runs in its own atomic block (a savepoint here): a failure leaves
            # nothing of this delivery behind and the batch's transaction usable.
            with event_origin(origin_of(delivery.source)):
                return events, apply_events(delivery.shop, events)
        except Exception as exc:
            if attempt == RACE_RETRIES or not lost_a_race(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def retry_or_park_delivery(
    delivery: WebhookDelivery, exc: BaseException, *, now: datetime, result: BatchResult
) -> None:
    """Try again after a growing pause, or park the delivery once its attempts are used up."""
    delivery.error_code = reason_of(exc)
    if retry_or_park(
        delivery, exc, now=now, schedule=RETRY_SCHEDULE, parked_state=DeliveryState.FAILED
    ):
        result.failed += 1
    else:
        result.retried += 1


def park_delivery(
    delivery: WebhookDelivery, error: str, *, now: datetime, code: str = error_reasons.OTHER
) -> None:
    """Park a delivery that cannot succeed as it is (shown in the inbox with its reason:
    ``code`` of core.error_reasons, ``error`` the technical text)."""
    delivery.error_code = code
    park(delivery, error, now=now, state=DeliveryState.FAILED)


def touched(applied: Any) -> dict[str, Any]:
    """The JSON-safe parts of ``apply_events``' result (which customers and orders it touched)."""
    if not dataclasses.is_dataclass(applied):
        return {}
    touched = {}
    for field in dataclasses.fields(applied):
        value = getattr(applied, field.name)
        if isinstance(value, set | frozenset | tuple):
            value = sorted(value) if all(isinstance(v, int | str) for v in value) else list(value)
        try:
            json.dumps(value)
        except TypeError:
            continue
        touched[field.name] = value
    return touched
