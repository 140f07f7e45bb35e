"""The refund clock through its service: started on receipt, stopped by a refund, warned,
escalated once."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.service.business_hours import BusinessCalendar, weekday_hours
from stammkunde.service.models import RefundClock
from stammkunde.service.services.refunds import check_refund_clocks
from stammkunde.shop.models import ReturnReason
from stammkunde.shop.services import mark_return_received, record_refund, record_return
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = BusinessCalendar(weekday_hours(time(9), time(17)))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def received_return(received: datetime):
    order = OrderFactory(
        customer=CustomerFactory(), total=Decimal("40"), placed_at=at(2026, 11, 20, 10)
    )
    line = OrderLineFactory(order=order, quantity=1)
    item = record_return(
        order, reason=ReturnReason.OTHER, announced_at=at(2026, 11, 30, 9), lines=[(line, 1)]
    )
    return order, mark_return_received(item, received_at=received)


def test_clock_starts_warns_and_escalates_once():
    _order, item = received_return(at(2026, 12, 1, 10))
    breaches = []
    counts = check_refund_clocks(at(2026, 12, 1, 11), calendar=CALENDAR, on_breach=breaches.append)
    assert counts["started"] == 1
    clock = RefundClock.objects.get(return_request=item)
    assert clock.due_at == at(2026, 12, 2, 17)
    assert clock.warned_at is None
    check_refund_clocks(at(2026, 12, 2, 15, 30), calendar=CALENDAR, on_breach=breaches.append)
    clock.refresh_from_db()
    assert clock.warned_at == at(2026, 12, 2, 15, 30)
    assert breaches == []
    check_refund_clocks(at(2026, 12, 2, 17, 30), calendar=CALENDAR, on_breach=breaches.append)
    check_refund_clocks(at(2026, 12, 2, 18), calendar=CALENDAR, on_breach=breaches.append)
    assert [clock.pk for clock in breaches] == [clock.pk]
    clock.refresh_from_db()
    assert clock.breached_at == at(2026, 12, 2, 17, 30)


def test_refund_in_time_stops_the_clock():
    order, item = received_return(at(2026, 12, 1, 10))
    check_refund_clocks(at(2026, 12, 1, 11), calendar=CALENDAR)
    record_refund(order, amount=Decimal("40"), refunded_at=at(2026, 12, 2, 9))
    counts = check_refund_clocks(at(2026, 12, 2, 10), calendar=CALENDAR)
    assert counts["refunded"] == 1
    clock = RefundClock.objects.get(return_request=item)
    assert clock.refunded_at == at(2026, 12, 2, 9)
    check_refund_clocks(at(2026, 12, 3, 10), calendar=CALENDAR)
    clock.refresh_from_db()
    assert clock.breached_at is None


def test_default_escalation_is_audited():
    order, _item = received_return(at(2026, 12, 1, 10))
    check_refund_clocks(at(2026, 12, 1, 11), calendar=CALENDAR)
    # Due Wednesday 17:00; the job runs every 15 minutes.
    check_refund_clocks(at(2026, 12, 2, 17, 15), calendar=CALENDAR)
    assert AuditEntry.objects.filter(
        customer_id=order.customer_id, detail=f"refund overdue for order {order.number}"
    ).exists()


def test_a_clock_started_long_past_its_deadline_is_marked_overdue_without_escalating():
    """Returns received before the refund clocks existed, or a history backfilled from the
    shop, start their clocks already overdue: each escalated a case at once."""
    breaches = []
    items = [received_return(at(2026, 11, day, 10))[1] for day in (23, 24, 25)]
    counts = check_refund_clocks(at(2026, 12, 4, 10), calendar=CALENDAR, on_breach=breaches.append)
    assert (counts["started"], counts["overdue"], counts["found_late"]) == (3, 3, 3)
    assert breaches == []
    for item in items:
        assert RefundClock.objects.get(return_request=item).breached_at == at(2026, 12, 4, 10)
    assert AuditEntry.objects.filter(detail__endswith="(found late, not escalated)").count() == 3


def test_without_a_calendar_given_the_clock_counts_in_the_default_teams_hours_and_holidays():
    from stammkunde.service.models import Team

    team = Team.objects.filter(is_default=True).first() or Team.objects.create(
        name="Zentrale Beschwerdestelle", is_default=True
    )
    weekdays = {str(day): [["08:00", "16:00"]] for day in range(5)}
    Team.objects.filter(pk=team.pk).update(opening_hours=weekdays, subdivision="BY")
    # Monday 5 January 2026; Tuesday is Epiphany, a public holiday in Bavaria (not nationwide).
    _order, item = received_return(at(2026, 1, 5, 10))
    check_refund_clocks(at(2026, 1, 5, 11), on_breach=lambda clock: None)
    assert RefundClock.objects.get(return_request=item).due_at == at(2026, 1, 7, 16)


def test_an_unusable_team_calendar_falls_back_to_the_default_desk_hours():
    from stammkunde.service.models import Team

    team = Team.objects.filter(is_default=True).first() or Team.objects.create(
        name="Zentrale Beschwerdestelle", is_default=True
    )
    Team.objects.filter(pk=team.pk).update(opening_hours={}, subdivision="")
    _order, item = received_return(at(2026, 1, 5, 10))
    check_refund_clocks(at(2026, 1, 5, 11), on_breach=lambda clock: None)
    # Monday to Friday 9 to 17, nationwide holidays: the close of Tuesday.
    assert RefundClock.objects.get(return_request=item).due_at == at(2026, 1, 6, 17)
