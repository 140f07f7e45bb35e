"""Reads of the stored domain events for the admin page (events with their deliveries)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet

from stammkunde.core.models import EventDelivery, EventDeliveryState, StoredEvent

# The filters of the events page: every event, those not handed out yet, and those with a
# delivery waiting for another attempt or parked.
EVENT_FILTERS = ("", "undispatched", "waiting", "parked")


def stored_events(*, show: str = "", name: str = "") -> QuerySet[StoredEvent]:
    """Stored events, newest first, with their deliveries (``prefetch``ed), filtered by
    ``show`` (one of EVENT_FILTERS) and the event name."""
    events = StoredEvent.objects.order_by("-id")
    if name:
        events = events.filter(name=name)
    if show == "undispatched":
        events = events.filter(dispatched_at__isnull=True)
    elif show in (EventDeliveryState.WAITING, EventDeliveryState.PARKED):
        events = events.filter(
            Exists(EventDelivery.objects.filter(event=OuterRef("pk"), state=show))
        )
    return events.prefetch_related("deliveries")


def delivery_counts() -> dict[str, int]:
    """How many deliveries wait for another attempt and how many are parked, and how many
    events are not handed out yet."""
    counts = dict(
        EventDelivery.objects.exclude(state=EventDeliveryState.DELIVERED)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {
        "undispatched": StoredEvent.objects.filter(dispatched_at__isnull=True).count(),
        "waiting": counts.get(EventDeliveryState.WAITING, 0),
        "parked": counts.get(EventDeliveryState.PARKED, 0),
    }


def event_names() -> list[str]:
    """The distinct names of stored events (for the filter)."""
    return list(StoredEvent.objects.order_by("name").values_list("name", flat=True).distinct())


def event_delivery(pk: int) -> EventDelivery | None:
    return EventDelivery.objects.select_related("event").filter(pk=pk).first()
