"""Events held for a bulk path (intake's groups of mails): stored with one INSERT by the caller,
each with the origin it had when published, and dropped when the caller never stores them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from stammkunde.core.events import DomainEvent, held_events, publish, publish_many
from stammkunde.core.models import StoredEvent
from stammkunde.core.origin import Origin, event_origin

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class Noted(DomainEvent):
    number: int


def test_held_events_are_stored_by_the_caller_with_their_origins():
    with held_events() as held:
        publish(Noted(occurred_at=AT, number=1))
        with event_origin(Origin.BACKFILL):
            publish(Noted(occurred_at=AT, number=2))
        publish(Noted(occurred_at=AT, number=3), origin=Origin.IMPORT)
        assert not StoredEvent.objects.exists()
        publish_many(held)
    stored = list(StoredEvent.objects.order_by("id").values_list("payload", "origin"))
    assert stored == [
        ({"number": 1}, Origin.SYSTEM.value),
        ({"number": 2}, Origin.BACKFILL.value),
        ({"number": 3}, Origin.IMPORT.value),
    ]


def test_held_events_never_stored_are_dropped_and_publish_stores_at_once_after():
    with held_events():
        publish(Noted(occurred_at=AT, number=1))
    assert not StoredEvent.objects.exists()
    publish(Noted(occurred_at=AT, number=2))
    assert list(StoredEvent.objects.values_list("payload", flat=True)) == [{"number": 2}]
