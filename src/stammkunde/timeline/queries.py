"""Reads of the timeline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.scoping import in_customer_scope
from stammkunde.timeline.kinds import KIND_GROUPS
from stammkunde.timeline.models import Activity


def timeline_for_customer(customer_id: int) -> QuerySet[Activity]:
    """A customer's timeline, newest first (ties broken by insertion order)."""
    return (
        Activity.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )


def timeline_page(
    customer_id: int,
    *,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
    kinds: Collection[str] | None = None,
) -> list[Activity]:
    """One page of a customer's timeline, newest first, starting after the ``before`` cursor;
    only entries of ``kinds`` when given (``kinds.KIND_GROUPS``).

    The cursor is the (occurred_at, id) of the last entry already shown: a keyset page stays
    correct while new entries arrive at the top, where an offset would shift by one.
    """
    entries = timeline_for_customer(customer_id)
    if kinds is not None:
        entries = entries.filter(kind__in=list(kinds))
    if before is not None:
        at, pk = before
        entries = entries.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))
    return list(entries[:limit])


def latest_activities(*, by: Any, limit: int = 15) -> list[Activity]:
    """The newest entries across the customers ``by`` may see, by when they happened (not
    when they were recorded: an import of last year's orders is not news), for the home page.

    The activity_time index serves this order, so no sort of the whole table is needed.
    Audited (names and note texts are personal data): one VIEW row naming the customers shown.
    """
    # An entry dated in the future (a wrong clock in a shop) would otherwise stay on top.
    happened = Activity.objects.filter(occurred_at__lte=timezone.now())
    entries = in_customer_scope(happened, by, field="customer_id")
    newest = entries.select_related("actor", "customer").order_by("-occurred_at", "-id")
    activities = list(newest[:limit])
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="timeline.activity",
        customer_ids=sorted({a.customer_id for a in activities if a.customer_id is not None}),
        detail="start page: newest entries",
    )
    return activities


ORDER_GROUPED_KINDS = frozenset(KIND_GROUPS["orders"])


@dataclass
class TimelineLine:
    """One line of the timeline as shown: an entry, or an order's newest entry with its
    earlier ones on the page folded under it (``more``)."""

    entry: Activity
    more: list[Activity] = field(default_factory=list)


def group_by_order(entries: list[Activity]) -> list[TimelineLine]:
    """Fold the entries of one order (placed, shipped, delivered, refunded...) into the line of
    its newest entry on the page, so a good customer's timeline is not three lines per order."""
    lines: list[TimelineLine] = []
    by_number: dict[str, TimelineLine] = {}
    for entry in entries:
        number = entry.params.get("number") if entry.kind in ORDER_GROUPED_KINDS else None
        if number is None:
            lines.append(TimelineLine(entry))
            continue
        line = by_number.get(str(number))
        if line is None:
            line = by_number[str(number)] = TimelineLine(entry)
            lines.append(line)
        else:
            line.more.append(entry)
    return lines
