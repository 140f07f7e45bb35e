"""Reads of the timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from stammkunde.timeline.models import Activity


def timeline_for_customer(customer_id: int) -> QuerySet[Activity]:
    """A customer's timeline, newest first (ties broken by insertion order)."""
    return (
        Activity.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )
