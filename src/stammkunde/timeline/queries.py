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
from stammkunde.core.compiled import ID, MOMENT, CompiledRead
from stammkunde.core.scoping import in_customer_scope, shop_limit, withhold_other_shops_staff
from stammkunde.timeline.kinds import KIND_GROUPS
from stammkunde.timeline.models import Activity
from stammkunde.timeline.visibility import entries_of_shops


def timeline_for_customer(
    customer_id: int, *, shop_ids: Collection[int] | None
) -> QuerySet[Activity]:
    """A customer's timeline, newest first (ties broken by insertion order), without the
    entries about something of other shops than ``shop_ids`` (None: every shop; staff limited
    to shops pass ``core.scoping.shop_limit(user)``, a bound API token its shop)."""
    entries = Activity.objects.filter(customer_id=customer_id)
    return (
        entries_of_shops(entries, shop_ids).select_related("actor").order_by("-occurred_at", "-id")
    )


# A page of the whole timeline for staff of every shop (the customer page, its "load more"),
# compiled once (core/compiled.py); at most PAGE_READ rows, a smaller limit taken from them.
PAGE_READ = 50
_NEWEST = CompiledRead(
    lambda customer_id: timeline_for_customer(customer_id, shop_ids=None)[:PAGE_READ],
    customer_id=ID,
)
_OLDER = CompiledRead(
    lambda customer_id, at, pk: timeline_for_customer(customer_id, shop_ids=None).filter(
        Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk)
    )[:PAGE_READ],
    customer_id=ID,
    at=MOMENT,
    pk=ID,
)


def timeline_page(
    customer_id: int,
    *,
    shop_ids: Collection[int] | None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
    kinds: Collection[str] | None = None,
) -> list[Activity]:
    """One page of a customer's timeline, newest first, starting after the ``before`` cursor;
    only entries of ``kinds`` when given (``kinds.KIND_GROUPS``).

    The cursor is the (occurred_at, id) of the last entry already shown: a keyset page stays
    correct while new entries arrive at the top, where an offset would shift by one.
    """
    if shop_ids is None and kinds is None and limit <= PAGE_READ:
        if before is None:
            return _NEWEST.fetch(customer_id=customer_id)[:limit]
        return _OLDER.fetch(customer_id=customer_id, at=before[0], pk=before[1])[:limit]
    entries = timeline_for_customer(customer_id, shop_ids=shop_ids)
    if kinds is not None:
        entries = entries.filter(kind__in=list(kinds))
    if before is not None:
        at, pk = before
        entries = entries.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))
    # A view limited to shops names no staff member of other shops only (a note about the
    # person by another shop's agent stays, its author's name does not).
    shop_limit_ids = None if shop_ids is None else frozenset(shop_ids)
    return withhold_other_shops_staff(list(entries[:limit]), shop_limit_ids)


def latest_activities(*, by: Any, limit: int = 15) -> list[Activity]:
    """The newest entries across the customers ``by`` may see, by when they happened (not
    when they were recorded: an import of last year's orders is not news), for the home page.

    The activity_time index serves this order, so no sort of the whole table is needed.
    Audited (names and note texts are personal data): one VIEW row naming the customers shown.
    Staff limited to shops see neither other shops' customers nor, of a customer they share
    with another shop, that shop's entries.
    """
    # An entry dated in the future (a wrong clock in a shop) would otherwise stay on top.
    happened = Activity.objects.filter(occurred_at__lte=timezone.now())
    entries = in_customer_scope(happened, by, field="customer_id")
    entries = entries_of_shops(entries, shop_limit(by))
    newest = entries.select_related("actor", "customer").order_by("-occurred_at", "-id")
    activities = withhold_other_shops_staff(list(newest[:limit]), shop_limit(by))
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


def _order_number(entry: Activity) -> str | None:
    number = entry.params.get("number") if entry.kind in ORDER_GROUPED_KINDS else None
    return None if number is None else str(number)


def _older_than(entries: QuerySet[Activity], cursor: tuple[datetime, int]) -> QuerySet[Activity]:
    at, pk = cursor
    return entries.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, id__lt=pk))


def folded_timeline_page(
    customer_id: int,
    *,
    shop_ids: Collection[int] | None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
    kinds: Collection[str] | None = None,
) -> tuple[list[TimelineLine], tuple[datetime, int] | None]:
    """Up to ``limit`` lines of a customer's timeline with each order folded into the line of
    its newest entry, across page boundaries, and the cursor of the next page (None at the end).

    An order's earlier entries that lie beyond this page are folded in here too, and an order
    whose line was on an earlier page (its newest entry is newer than ``before``) is left out,
    so no order appears twice however its entries fall on the pages (issue 15). Each order is
    looked up among the customer's entries by its number: a few indexed reads per page.
    Entries about something of other shops than ``shop_ids`` are left out (None: every shop).
    """
    lines: list[TimelineLine] = []
    by_number: dict[str, TimelineLine] = {}
    cursor = before
    shown_earlier: set[str] = set()
    exhausted = False
    while len(lines) < limit and not exhausted:
        batch = timeline_page(
            customer_id, shop_ids=shop_ids, before=cursor, limit=limit, kinds=kinds
        )
        exhausted = len(batch) < limit
        numbers = {n for n in map(_order_number, batch) if n is not None} - set(by_number)
        if before is not None and numbers:
            shown_earlier |= _numbers_with_entries_from(
                customer_id, numbers, before, kinds, shop_ids
            )
        for entry in batch:
            number = _order_number(entry)
            if number is not None and number in shown_earlier:
                pass  # folded into its order's line on an earlier page
            elif number is not None and number in by_number:
                by_number[number].more.append(entry)
            elif len(lines) >= limit:
                exhausted = False
                break
            else:
                line = TimelineLine(entry)
                lines.append(line)
                if number is not None:
                    by_number[number] = line
            cursor = (entry.occurred_at, entry.pk)
    if by_number and cursor is not None and not exhausted:
        # The rest of the orders shown here, beyond this page: folded in now, skipped later.
        rest = _order_entries(customer_id, set(by_number), kinds, shop_ids)
        for entry in _older_than(rest, cursor):
            by_number[str(entry.params.get("number"))].more.append(entry)
    return lines, (None if exhausted else cursor)


def _order_entries(
    customer_id: int,
    numbers: Collection[str],
    kinds: Collection[str] | None,
    shop_ids: Collection[int] | None,
) -> QuerySet[Activity]:
    """The customer's order entries (of ``kinds``) for the order ``numbers``, newest first."""
    kinds_shown = ORDER_GROUPED_KINDS if kinds is None else ORDER_GROUPED_KINDS & set(kinds)
    # Order numbers are a shop's own: another shop's order of the same number stays out.
    return timeline_for_customer(customer_id, shop_ids=shop_ids).filter(
        kind__in=sorted(kinds_shown), params__number__in=sorted(numbers)
    )


def _numbers_with_entries_from(
    customer_id: int,
    numbers: Collection[str],
    cursor: tuple[datetime, int],
    kinds: Collection[str] | None,
    shop_ids: Collection[int] | None,
) -> set[str]:
    """Those of the order ``numbers`` with an entry at or newer than ``cursor``: their line
    was on an earlier page."""
    at, pk = cursor
    newer = _order_entries(customer_id, numbers, kinds, shop_ids).filter(
        Q(occurred_at__gt=at) | Q(occurred_at=at, id__gte=pk)
    )
    return {str(number) for number in newer.values_list("params__number", flat=True)}
