"""Durable domain events: stored with the change, delivered by the worker per subscriber, retried,
parked, delivered again; each with its origin and the time the fact happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stammkunde.core import event_delivery
from stammkunde.core.event_delivery import dispatch_waiting, redeliver, retry_waiting
from stammkunde.core.events import DomainEvent, publish, publish_many, subscribe, unsubscribe
from stammkunde.core.models import EventDelivery, EventDeliveryState, StoredEvent
from stammkunde.core.origin import Origin, event_origin, is_history
from stammkunde.core.scheduling import registered_jobs

pytestmark = pytest.mark.django_db

PLACED = datetime(2023, 5, 4, 10, 30, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class Pinged(DomainEvent):
    order_id: int
    amount: Decimal
    due: datetime | None = None
    ids: tuple[int, ...] = ()


@pytest.fixture
def received():
    """Two subscribers, "steady" and "flaky"; flaky fails while ``failing`` is True."""
    seen: dict[str, list] = {"steady": [], "flaky": []}
    state = {"failing": False}

    @subscribe(Pinged, name="test.steady")
    def steady(event):
        seen["steady"].append(event)

    @subscribe(Pinged, name="test.flaky")
    def flaky(event):
        if state["failing"]:
            raise RuntimeError("the mail server is away")
        seen["flaky"].append(event)

    yield seen, state
    unsubscribe("test.steady")
    unsubscribe("test.flaky")


def ping(order_id: int = 1, **fields) -> Pinged:
    return Pinged(order_id=order_id, amount=Decimal("27.08"), occurred_at=PLACED, **fields)


def test_an_event_is_stored_in_the_transaction_of_the_change_and_rolls_back_with_it():
    with transaction.atomic():
        publish(ping(1))
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(ping(2))
        raise RuntimeError("the change failed")

    stored = StoredEvent.objects.get()
    assert stored.name == "tests.core.test_events.Pinged"
    assert stored.payload == {"order_id": 1, "amount": "27.08", "due": None, "ids": []}
    assert stored.occurred_at == PLACED
    assert stored.origin == "system"
    assert stored.dispatched_at is None


def test_the_origin_comes_from_where_the_path_entered():
    with event_origin(Origin.BACKFILL):
        publish(ping(1))
        with event_origin(Origin.WEBHOOK):
            publish(ping(2))
        publish(ping(3))
    publish(ping(4), origin=Origin.STAFF)

    assert list(StoredEvent.objects.order_by("id").values_list("origin", flat=True)) == [
        "backfill",
        "webhook",
        "backfill",
        "staff",
    ]


def test_history_is_backfill_import_and_demo_only():
    assert {origin for origin in Origin if is_history(origin)} == {
        Origin.BACKFILL,
        Origin.IMPORT,
        Origin.DEMO,
    }


def test_subscribers_get_the_event_rebuilt_with_its_types_id_and_origin(received):
    seen, _state = received
    due = datetime(2023, 6, 1, 8, 0, tzinfo=UTC)
    with event_origin(Origin.IMPORT):
        publish(ping(7, due=due, ids=(3, 4)))

    outcome = dispatch_waiting()

    assert (outcome.claimed, outcome.delivered) == (1, 2)
    [event] = seen["steady"]
    stored = StoredEvent.objects.get()
    assert event == Pinged(
        order_id=7,
        amount=Decimal("27.08"),
        due=due,
        ids=(3, 4),
        occurred_at=PLACED,
        origin="import",
        event_id=stored.pk,
    )
    assert stored.dispatched_at is not None
    assert sorted(stored.deliveries.values_list("subscriber", "state")) == [
        ("test.flaky", "delivered"),
        ("test.steady", "delivered"),
    ]
    assert dispatch_waiting().claimed == 0  # nothing is handed out twice


def test_a_failing_subscriber_is_retried_alone_then_parked_with_its_reason(received):
    seen, state = received
    state["failing"] = True
    publish(ping(1))

    dispatch_waiting()
    now = timezone.now()
    for _attempt in range(event_delivery.RETRY_SCHEDULE.max_attempts):
        now += timedelta(hours=1)
        retry_waiting(now=now)

    assert len(seen["steady"]) == 1  # the steady one never saw it again
    assert seen["flaky"] == []
    flaky = EventDelivery.objects.get(subscriber="test.flaky")
    assert flaky.state == EventDeliveryState.PARKED
    assert flaky.attempts == event_delivery.RETRY_SCHEDULE.max_attempts
    assert flaky.error == "RuntimeError: the mail server is away"


def test_a_retry_waits_for_its_backoff(received):
    _seen, state = received
    state["failing"] = True
    publish(ping(1))
    now = timezone.now()
    dispatch_waiting(now=now)

    assert retry_waiting(now=now + timedelta(seconds=5)).claimed == 0
    state["failing"] = False
    assert retry_waiting(now=now + timedelta(seconds=11)).delivered == 1


def test_a_parked_delivery_is_delivered_again_on_request(received):
    seen, state = received
    state["failing"] = True
    publish(ping(1))
    dispatch_waiting()
    flaky = EventDelivery.objects.get(subscriber="test.flaky")
    EventDelivery.objects.filter(pk=flaky.pk).update(state=EventDeliveryState.PARKED)
    state["failing"] = False

    redeliver(flaky)
    retry_waiting()

    flaky.refresh_from_db()
    assert flaky.state == EventDeliveryState.DELIVERED
    assert [event.order_id for event in seen["flaky"]] == [1]
    EventDelivery.objects.filter(pk=flaky.pk).update(state=EventDeliveryState.WAITING)
    with pytest.raises(ValueError):
        redeliver(flaky)  # waiting for its attempt already


def test_a_subscriber_that_is_gone_parks_its_waiting_deliveries(received):
    _seen, state = received
    state["failing"] = True
    publish(ping(1))
    dispatch_waiting()
    unsubscribe("test.flaky")

    retry_waiting(now=timezone.now() + timedelta(hours=1))

    flaky = EventDelivery.objects.get(subscriber="test.flaky")
    assert flaky.state == EventDeliveryState.PARKED
    assert "test.flaky" in flaky.error


def test_what_a_subscriber_wrote_rolls_back_when_it_fails(received):
    from stammkunde.core.models import ScheduledRun

    @subscribe(Pinged, name="test.half")
    def half(event):
        ScheduledRun.objects.create(job="half-done", slot=timezone.now())
        raise RuntimeError("after the write")

    try:
        publish(ping(1))
        dispatch_waiting()
    finally:
        unsubscribe("test.half")

    assert not ScheduledRun.objects.filter(job="half-done").exists()
    assert EventDelivery.objects.get(subscriber="test.half").state == "waiting"


def test_publish_many_stores_a_batch_with_one_insert():
    events = [ping(number) for number in range(50)]

    with CaptureQueriesContext(connection) as queries:
        publish_many(events, origin=Origin.IMPORT)

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 or connection.vendor == "sqlite"  # SQLite: one executemany
    assert StoredEvent.objects.filter(origin="import").count() == 50


def test_events_without_subscribers_are_dispatched_without_deliveries():
    publish(ping(1))

    outcome = dispatch_waiting()

    assert outcome.claimed == 1
    assert StoredEvent.objects.get().dispatched_at is not None
    assert not EventDelivery.objects.exists()


def test_a_sweep_every_minute_delivers_what_no_task_was_enqueued_for(received, monkeypatch):
    """A process that dies between its commit and the enqueue loses nothing: the sweep runs."""
    seen, _state = received
    monkeypatch.setattr(event_delivery, "ENQUEUE_THROTTLE_SECONDS", 0)
    [job] = [job for job in registered_jobs() if job.name == "deliver-events"]
    assert job.every == timedelta(minutes=1)
    publish(ping(5))  # no on-commit enqueue runs inside the test transaction

    outcome = job.task.call()

    assert outcome["delivered"] == 2
    assert [event.order_id for event in seen["steady"]] == [5]


def test_a_failing_subscriber_leaves_the_others_database_effects_once(received):
    """The pass's calls share one savepoint; when one fails the pass is done again call by call,
    so the steady subscriber's write is there exactly once and the failing one is charged."""
    from stammkunde.core.models import ScheduledRun

    _seen, state = received
    state["failing"] = True

    @subscribe(Pinged, name="test.writer")
    def writer(event):
        ScheduledRun.objects.create(job=f"written-{event.order_id}", slot=PLACED)

    try:
        publish_many([ping(1), ping(2)])
        outcome = dispatch_waiting()
    finally:
        unsubscribe("test.writer")

    assert sorted(
        ScheduledRun.objects.filter(job__startswith="written-").values_list("job", flat=True)
    ) == [
        "written-1",
        "written-2",
    ]
    assert (outcome.delivered, outcome.retried) == (4, 2)
    assert set(
        EventDelivery.objects.filter(subscriber="test.flaky").values_list("state", flat=True)
    ) == {"waiting"}
