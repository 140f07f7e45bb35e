"""One small, typed, in-process domain event dispatcher.

Lower apps publish events (an order was placed, a customer was merged); higher apps subscribe
to the event class at import time of their AppConfig.ready(). The publisher never imports the
subscriber, which keeps the layer order of DESIGN.md intact.

Handlers run after the surrounding transaction commits, so a handler never sees (or acts on)
data that is later rolled back. Handlers must be cheap: anything slow enqueues a task.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of all domain events: immutable plain data, never model instances."""


E = TypeVar("E", bound=DomainEvent)
_handlers: dict[type[DomainEvent], list[Callable[[DomainEvent], None]]] = defaultdict(list)


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function as a handler of ``event_type`` (and its subclasses)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if handler not in _handlers[event_type]:
            _handlers[event_type].append(handler)  # type: ignore[arg-type]
        return handler

    return register


def handlers_for(event_type: type[DomainEvent]) -> list[Callable[[DomainEvent], None]]:
    """Return the handlers that receive events of ``event_type``, most general last."""
    found: list[Callable[[DomainEvent], None]] = []
    for klass in event_type.__mro__:
        found.extend(_handlers.get(klass, []))  # type: ignore[call-overload]
    return found


def publish(event: DomainEvent) -> None:
    """Deliver ``event`` to its handlers once the current transaction commits."""
    transaction.on_commit(lambda: _deliver(event))


def _deliver(event: DomainEvent) -> None:
    for handler in handlers_for(type(event)):
        # One failing subscriber must not stop the others; the failure is logged loudly.
        try:
            handler(event)
        except Exception:
            logger.exception("handler %r failed for %r", handler, event)
