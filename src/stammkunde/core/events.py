"""Durable domain events: stored with the change that caused them, delivered by the worker.

Lower apps publish events (an order was placed, a customer was merged); higher apps subscribe
to an event class by name in their AppConfig.ready(). The publisher never imports the
subscriber, which keeps the layer order of DESIGN.md intact.

:func:`publish` (or :func:`publish_many` for a bulk path: one INSERT for all) stores each
event as a row (:class:`~stammkunde.core.models.StoredEvent`) in the current transaction: if
the change rolls back, so does its event, and once the change is committed its event is too.
A task on the ``events`` queue (enqueued on commit, and swept every minute in case a process
died in between) hands each stored event to its subscribers (``core.event_delivery``): one
savepoint per subscriber, retried with backoff, parked with the reason when it keeps failing,
per subscriber.

Delivery is at least once: a subscriber may see an event again (a worker that died after the
subscriber's effect but before its commit; a pass rolled back because another subscriber
failed, see ``core.event_delivery``; a staff member's "deliver again"). Subscribers are
idempotent by keying their effects on ``event.event_id``, which is the stored row's id and
never changes (e.g. a mail subscriber writes its outbox row with a unique
``(event_id, template)``, and a second delivery finds it there). A subscriber writes only to
the database in the transaction it is called in, and anything outside it (a mail, an HTTP
call) goes through ``transaction.on_commit`` (a task): database effects are committed together
with the "delivered" mark or rolled back with it, and a rolled-back call leaves nothing behind.

Every event carries ``occurred_at`` (when the fact happened, e.g. the order's placement time)
and ``origin`` (``core.origin``): a subscriber that sends mail skips history with
``is_history(event.origin)``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from stammkunde.core.holding import holding
from stammkunde.core.origin import current_origin

logger = logging.getLogger(__name__)

# Fields every event has; the payload holds the others.
BASE_FIELDS = frozenset({"occurred_at", "origin", "event_id"})


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of all domain events: immutable plain data, never model instances.

    ``occurred_at`` is when the fact happened; ``origin`` (set by :func:`publish` from
    ``core.origin`` unless given) says where it came from; ``event_id`` is set when the event
    is delivered: the stored row's id, stable across repeated deliveries.
    """

    occurred_at: datetime
    origin: str = ""
    event_id: int | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _event_types[event_name(cls)] = cls
        _subscribers_of.cache_clear()


_event_types: dict[str, type[DomainEvent]] = {}
# The events ``publish`` holds inside ``held_events`` (None outside).
_held: ContextVar[list[DomainEvent] | None] = ContextVar("held_events", default=None)


def event_name(event_type: type[DomainEvent]) -> str:
    """The stored name of an event class: ``shop.OrderPlaced`` for ``stammkunde.shop.events``."""
    module = event_type.__module__.removeprefix("stammkunde.").removesuffix(".events")
    return f"{module}.{event_type.__name__}"


def event_type_named(name: str) -> type[DomainEvent] | None:
    """The event class stored under ``name`` (None if no such class is loaded)."""
    return _event_types.get(name)


E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class Subscriber:
    """A handler of one event class (and its subclasses), registered under a stable name.

    ``event_type`` may also be an event's stored name (``service.CaseOpened``): a lower app
    subscribes that way to an event of a higher app it may not import (messaging's triggers
    react to the service desk's case events).
    """

    name: str
    event_type: type[DomainEvent] | str
    handler: Callable[[Any], None]

    def receives(self, event_type: type[DomainEvent]) -> bool:
        if isinstance(self.event_type, str):
            return any(
                event_name(base) == self.event_type
                for base in event_type.__mro__
                if isinstance(base, type) and issubclass(base, DomainEvent)
            )
        return issubclass(event_type, self.event_type)


_subscribers: dict[str, Subscriber] = {}


def subscribe(
    event_type: type[E] | str, *, name: str = ""
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function as the subscriber ``name`` of ``event_type`` (a class,
    or the stored name of a class this app may not import, e.g. ``service.CaseOpened``).

    Call it in AppConfig.ready(). The name (by default the function's dotted path) is what the
    deliveries are recorded under: keep it stable, or a renamed subscriber gets every waiting
    event again and its parked deliveries are orphaned.
    """

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        _subscribers[key] = Subscriber(key, event_type, handler)
        _subscribers_of.cache_clear()
        return handler

    return register


def unsubscribe(name: str) -> None:
    """Forget the subscriber ``name`` (tests, and benchmarks that registered their own)."""
    _subscribers.pop(name, None)
    _subscribers_of.cache_clear()


def subscriber_named(name: str) -> Subscriber | None:
    return _subscribers.get(name)


@cache
def _subscribers_of(name: str) -> tuple[Subscriber, ...]:
    event_type = event_type_named(name)
    if event_type is None:
        return ()
    return tuple(
        subscriber
        for subscriber in sorted(_subscribers.values(), key=lambda s: s.name)
        if subscriber.receives(event_type)
    )


def subscribers_of(name: str) -> tuple[Subscriber, ...]:
    """The subscribers that receive events stored under ``name``, by name."""
    return _subscribers_of(name)


def publish(event: DomainEvent, *, origin: str = "") -> None:
    """Store ``event`` in the current transaction; the worker delivers it after the commit.
    Inside ``held_events`` it is held with its origin instead, for the caller to store."""
    held = _held.get()
    if held is not None:
        held.append(
            event if event.origin else dataclasses.replace(event, origin=origin or current_origin())
        )
        return
    publish_many([event], origin=origin)


@contextmanager
def held_events() -> Iterator[list[DomainEvent]]:
    """Inside the block ``publish`` holds the events in the yielded list (each with its origin
    as it would have been stored) instead of storing each with its own INSERT; the caller
    stores the list with ``publish_many`` in the same transaction as the changes that caused
    them (intake's groups of mails). What is not stored when the block ends is dropped, as a
    rolled-back INSERT would be."""
    with holding(_held) as held:
        yield held


def publish_many(events: Sequence[DomainEvent], *, origin: str = "") -> None:
    """Store many events with one INSERT (bulk paths). Each keeps its own origin if it has one;
    otherwise ``origin``, or else the current one (``core.origin.event_origin``)."""
    if not events:
        return
    from stammkunde.core.bulk import insert_rows
    from stammkunde.core.models import StoredEvent

    fallback = origin or current_origin()
    adapt = connection.ops.adapt_datetimefield_value
    recorded_at = adapt(timezone.now())
    rows = [
        (
            event_name(type(event)),
            json.dumps(encode_payload(event)),
            event.origin or fallback,
            adapt(event.occurred_at),
            recorded_at,
        )
        for event in events
    ]
    insert_rows(StoredEvent, ("name", "payload", "origin", "occurred_at", "recorded_at"), rows)
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    from stammkunde.core.event_delivery import enqueue_delivery

    enqueue_delivery()


def encode_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's own fields as JSON-safe plain values (amounts and times as text)."""
    return {
        field.name: _plain(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name not in BASE_FIELDS
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        # A bulk event's ids (OrdersImported: a batch's tens of thousands of orders) are plain
        # already: one C-level check instead of a call per item.
        if all(type(item) is int for item in items):
            return items
        return [_plain(item) for item in items]
    return value


def decode_event(
    name: str, payload: dict[str, Any], *, occurred_at: datetime, origin: str, event_id: int
) -> DomainEvent:
    """The event object a subscriber receives, rebuilt from its stored row."""
    event_type = event_type_named(name)
    if event_type is None:
        raise LookupError(f"no event class is registered as {name!r}")
    hints = _hints(event_type)
    values = {key: _typed(hints.get(key), value) for key, value in payload.items()}
    return event_type(**values, occurred_at=occurred_at, origin=origin, event_id=event_id)


@cache
def _hints(event_type: type[DomainEvent]) -> dict[str, Any]:
    return typing.get_type_hints(event_type)


def _typed(hint: Any, value: Any) -> Any:
    """``value`` (as JSON gave it) converted back to the type the field declares."""
    if value is None or hint is None:
        return value
    origin = typing.get_origin(hint)
    if origin in (typing.Union, UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin in (tuple, list, frozenset, set):
        args = [arg for arg in typing.get_args(hint) if arg is not Ellipsis]
        items = [_typed(args[0] if args else None, item) for item in value]
        return origin(items)
    if hint is Decimal:
        return Decimal(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    return value
