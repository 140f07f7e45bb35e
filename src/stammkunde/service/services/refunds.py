"""The refund clock: every received return gets a deadline (one business day); the periodic
check notes refunds, warns before the deadline and escalates after it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.business_hours import BusinessCalendar, CalendarError, weekday_hours
from stammkunde.service.models import ACTIVE_STATUSES, Case, EscalationReason, RefundClock
from stammkunde.service.refund_deadline import RefundState, refund_due_at, refund_state
from stammkunde.service.services.case_common import is_restricted
from stammkunde.service.services.cases import escalate
from stammkunde.service.services.desk_settings import calendar as team_calendar
from stammkunde.service.services.desk_settings import default_team
from stammkunde.service.services.monitoring import FOUND_LATE_AFTER
from stammkunde.shop.models import Refund, Return, ReturnStatus

# Without a team calendar: Monday to Friday, 9 to 17, nationwide holidays.
DEFAULT_CALENDAR = BusinessCalendar(weekday_hours(time(9), time(17)))
BATCH = 500

logger = logging.getLogger(__name__)


def desk_calendar() -> BusinessCalendar:
    """The calendar refunds are counted in: the default team's (its opening hours, its
    Bundesland's holidays, company holidays), if the desk has one; else Monday to Friday, 9 to
    17, nationwide holidays. A team calendar that cannot be built (``CalendarError``) is logged
    and the default used, so a wrong setting never stops the refund clocks."""
    team = default_team()
    if team is None:
        return DEFAULT_CALENDAR
    try:
        return team_calendar(team)
    except CalendarError:
        logger.warning("team %s: calendar unusable, refunds counted in the default", team.pk)
        return DEFAULT_CALENDAR


def start_refund_clocks(calendar: BusinessCalendar | None = None) -> int:
    """A clock for each received return that has none yet."""
    calendar = calendar or desk_calendar()
    returns = (
        Return.objects.filter(
            status=ReturnStatus.RECEIVED, received_at__isnull=False, refund_clock__isnull=True
        )
        .only("id", "received_at")
        .order_by("id")[:BATCH]
    )
    clocks = [
        RefundClock(
            return_request_id=item.pk,
            received_at=item.received_at,
            due_at=refund_due_at(calendar, item.received_at),
        )
        for item in returns
    ]
    RefundClock.objects.bulk_create(clocks, ignore_conflicts=True)
    return len(clocks)


def _first_refund_after(clock: RefundClock) -> datetime | None:
    order_id = clock.return_request.order_id
    announced = clock.return_request.announced_at
    return Refund.objects.filter(order_id=order_id, refunded_at__gte=announced).aggregate(
        first=Min("refunded_at")
    )["first"]


def check_refund_clocks(
    now: datetime | None = None,
    *,
    calendar: BusinessCalendar | None = None,
    on_breach: Callable[[RefundClock], Any] | None = None,
) -> dict[str, int]:
    """Start new clocks, stop those whose order was refunded, warn and escalate the rest.

    ``on_breach`` is called once per clock that runs out (the escalation); by default it
    escalates the customer's open case about the order, when there is one.
    """
    now = now or timezone.now()
    calendar = calendar or desk_calendar()
    counts = {
        "started": start_refund_clocks(calendar),
        "refunded": 0,
        "warned": 0,
        "overdue": 0,
        "found_late": 0,
    }
    open_clocks = (
        RefundClock.objects.filter(refunded_at__isnull=True, breached_at__isnull=True)
        .select_related("return_request")
        .order_by("due_at")[:BATCH]
    )
    for clock in open_clocks:
        with transaction.atomic():
            refunded_at = _first_refund_after(clock)
            if refunded_at is not None:
                clock.refunded_at = refunded_at
                clock.save(update_fields=["refunded_at"])
                counts["refunded"] += 1
                continue
            state = refund_state(calendar, clock.due_at, now)
            if state is RefundState.WARNING and clock.warned_at is None:
                clock.warned_at = now
                clock.save(update_fields=["warned_at"])
                counts["warned"] += 1
            elif state is RefundState.OVERDUE:
                clock.breached_at = now
                clock.warned_at = clock.warned_at or now
                clock.save(update_fields=["breached_at", "warned_at"])
                counts["overdue"] += 1
                if now - clock.due_at > FOUND_LATE_AFTER:
                    # Started or seen long after its deadline (returns received before the
                    # clocks existed, a history imported or backfilled from the shop, the job
                    # not running): listed as overdue on the refund page, not escalated, as
                    # the desk's check does with such breaches.
                    _record_found_late(clock)
                    counts["found_late"] += 1
                else:
                    (on_breach or escalate_overdue_refund)(clock)
    # Refunds that came after the breach still stop the clock (for the report).
    for clock in RefundClock.objects.filter(
        refunded_at__isnull=True, breached_at__isnull=False
    ).select_related("return_request")[:BATCH]:
        refunded_at = _first_refund_after(clock)
        if refunded_at is not None:
            RefundClock.objects.filter(pk=clock.pk).update(refunded_at=refunded_at)
    return counts


def _record_found_late(clock: RefundClock) -> None:
    order = clock.return_request.order
    audit(
        actor=None,
        action=AuditAction.CHANGE,
        obj=clock,
        customer_id=order.customer_id,
        fields=["breached_at"],
        detail=f"refund overdue for order {order.number} (found late, not escalated)",
    )


def escalate_overdue_refund(clock: RefundClock) -> None:
    """The escalation after a breach: recorded in the audit log (the refund page lists it as
    overdue); the customer's open cases about the order go to the mediator."""
    order = clock.return_request.order
    for case in Case.objects.filter(orders=order, status__in=ACTIVE_STATUSES).select_related(
        "customer"
    ):
        if is_restricted(case):
            continue  # processing restricted (Art. 18 GDPR): not handed to the mediator
        escalate(case, by=None, reason=EscalationReason.REFUND_OVERDUE)
    audit(
        actor=None,
        action=AuditAction.CHANGE,
        obj=clock,
        customer_id=order.customer_id,
        fields=["breached_at"],
        detail=f"refund overdue for order {order.number}",
    )
