"""The Drehbuch's subscribers to domain events (registered in MessagingConfig.ready).

One subscriber per stored event name, named ``messaging.drehbuch:<event name>`` (stable: the
deliveries are recorded under it). History (backfill, import, demo) never starts a mail; a
second delivery of an event finds the runs of the first (``schedule_runs`` is keyed on trigger
+ event + customer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stammkunde.core.events import subscribe
from stammkunde.core.origin import is_history
from stammkunde.messaging.trigger_events import subscribed_event_names

SUBSCRIBER_PREFIX = "messaging.drehbuch:"


def _handler(event_name: str) -> Callable[[Any], None]:
    def handle(event: Any) -> None:
        if is_history(event.origin):
            return
        from stammkunde.messaging.services.triggers import schedule_runs

        schedule_runs(event, event_name)

    handle.__qualname__ = f"on_{event_name.replace('.', '_')}"
    return handle


def register_subscribers() -> None:
    """Subscribe the Drehbuch to every event a trigger can listen for."""
    for event_name in subscribed_event_names():
        subscribe(event_name, name=SUBSCRIBER_PREFIX + event_name)(_handler(event_name))
