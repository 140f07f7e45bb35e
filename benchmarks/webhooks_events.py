"""The domain-event figures of the webhook benchmark: events delivered to a subscriber per second,
and the delay from commit to delivery while a scoring job runs.

A cheap benchmark subscriber (it notes the wall-clock time of each delivery) is registered for
every event in this process, and the delivery passes run here, as the worker's ``events`` queue
would run them (``core.event_delivery.dispatch_waiting``, the body of ``deliver_events``).

* ``event_deliveries_per_s``: the events the inbox drain stored (order placed, consent
  changed, ...) delivered as a backlog, divided by the seconds spent in the delivery passes. The
  worker that ran during the benchmark delivered them already, so they are handed out once more
  (``undispatch_all``: dispatch marks and delivery rows reset; every subscriber runs again).
* ``event_delay_p95_ms``: while ``stammkunde analytics run`` (the nightly scoring job) runs in
  another process, a producer here publishes a batch of ``OrderPlaced`` events every 0.1 s
  (``publish_many``, as the inbox batch path does; as many per second as the inbox drain
  applied events), and a delivery thread delivers them; the
  delay of an event is its delivery time minus its ``recorded_at`` (stored just before commit).
"""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

SUBSCRIBER = "benchmark.counter"
STAMMKUNDE_ARGS = ("-m", "stammkunde")


class DeliveryCounter:
    """The benchmark subscriber: the wall-clock time each event id was delivered."""

    def __init__(self) -> None:
        self.delivered: dict[int, float] = {}

    def __call__(self, event) -> None:
        self.delivered[event.event_id] = time.time()


def register_counter() -> DeliveryCounter:
    from stammkunde.core.events import DomainEvent, subscribe

    counter = DeliveryCounter()
    subscribe(DomainEvent, name=SUBSCRIBER)(counter)
    return counter


def undispatch_all() -> int:
    """Make every stored event wait for dispatch again (the servers are stopped by then)."""
    from stammkunde.core.models import EventDelivery, StoredEvent

    EventDelivery.objects.all().delete()
    return StoredEvent.objects.update(dispatched_at=None)


def deliver_backlog(counter: DeliveryCounter) -> tuple[int, float]:
    """Deliver every waiting event; return (deliveries, seconds spent in delivery passes)."""
    from stammkunde.core.event_delivery import dispatch_waiting

    before = len(counter.delivered)
    busy = 0.0
    after_id = 0
    while True:
        started = time.perf_counter()
        outcome = dispatch_waiting(after_id=after_id)
        if not outcome.claimed:
            break
        busy += time.perf_counter() - started
        after_id = outcome.resume_after
    return len(counter.delivered) - before, busy


def delay_while_scoring(
    counter: DeliveryCounter,
    python: str,
    env: dict[str, str],
    *,
    rate: float,
    min_seconds: float = 5.0,
) -> tuple[list[float], float]:
    """Publish events at ``rate`` per second (a batch every 0.1 s) while a scoring job runs (at
    least ``min_seconds``), deliver them from a thread; return each event's delay (ms) and the
    scoring job's seconds."""
    batch = max(1, round(rate / 10))
    from django.db import connection, transaction

    from stammkunde.core.event_delivery import dispatch_waiting
    from stammkunde.core.events import publish_many
    from stammkunde.core.models import StoredEvent
    from stammkunde.core.origin import Origin
    from stammkunde.core.tasks import DELIVERY_RESTART_SECONDS
    from stammkunde.shop.events import OrderPlaced

    first_id = (StoredEvent.objects.order_by("-id").values_list("id", flat=True).first()) or 0
    stop = threading.Event()

    def deliver() -> None:
        # As core.tasks.deliver_events does: onward from the last event dispatched, and from
        # the start again every few seconds (on PostgreSQL a claim from the start walks the
        # index entries of every dispatched event until vacuum, which a long scoring
        # transaction holds off).
        after_id, restarted = 0, time.monotonic()
        try:
            while True:
                outcome = dispatch_waiting(after_id=after_id)
                after_id = outcome.resume_after
                if time.monotonic() - restarted > DELIVERY_RESTART_SECONDS:
                    after_id, restarted = 0, time.monotonic()
                if not outcome.claimed:
                    if stop.is_set() and not after_id:
                        return
                    after_id = 0 if stop.is_set() else after_id
                    time.sleep(0.01)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    deliverer = threading.Thread(target=deliver, daemon=True)
    deliverer.start()
    scoring_started = time.monotonic()
    scoring = subprocess.Popen(
        [python, *STAMMKUNDE_ARGS, "analytics", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    scoring_seconds = None
    number = 0
    while scoring.poll() is None or time.monotonic() - scoring_started < min_seconds:
        if scoring_seconds is None and scoring.poll() is not None:
            scoring_seconds = time.monotonic() - scoring_started
        now = datetime.now(UTC)
        with transaction.atomic():
            publish_many(
                [
                    OrderPlaced(
                        order_id=number + index,
                        shop_id=1,
                        customer_id=None,
                        occurred_at=now,
                        total=Decimal("27.08"),
                        currency="EUR",
                    )
                    for index in range(batch)
                ],
                origin=Origin.WEBHOOK,
            )
        number += batch
        time.sleep(0.1)
    if scoring_seconds is None:
        scoring_seconds = time.monotonic() - scoring_started
    stop.set()
    deliverer.join(timeout=120)
    recorded = dict(StoredEvent.objects.filter(id__gt=first_id).values_list("id", "recorded_at"))
    connection.close()
    delays = [
        (counter.delivered[event_id] - moment.timestamp()) * 1000
        for event_id, moment in recorded.items()
        if event_id in counter.delivered
    ]
    missing = len(recorded) - len(delays)
    if missing:
        raise SystemExit(f"{missing} published events were never delivered")
    return delays, scoring_seconds


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0
