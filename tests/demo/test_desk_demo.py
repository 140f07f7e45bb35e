"""The demo's service desk content: every desk page has something to show; written once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.demo.desk import ensure_desk_demo
from stammkunde.demo.staff import ensure_demo_staff
from stammkunde.service.models import (
    GoodwillGrant,
    GoodwillLimit,
    Incident,
    KnowledgeArticle,
    ResponseStandard,
    ServiceStandard,
    Team,
)
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_desk_demo_fills_the_pages_once():
    ensure_demo_staff("geheim-demo-1")
    for index in range(6):
        OrderFactory(
            customer=CustomerFactory(), placed_at=timezone.now() - timedelta(days=index + 1)
        )
    assert ensure_desk_demo() is True
    assert GoodwillLimit.objects.count() == 4
    # The teams close on Baden-Württemberg's holidays and promise a resolution; a delivery
    # problem is solved within the crisis plan's 8 business hours.
    assert set(Team.objects.values_list("subdivision", flat=True)) == {"BW"}
    assert not Team.objects.filter(resolution_minutes__isnull=True).exists()
    delivery = ResponseStandard.objects.get(team__slug="logistik", case_type="delivery_problem")
    assert delivery.resolution_minutes == 8 * 60
    assert ServiceStandard.objects.count() == 1
    assert KnowledgeArticle.objects.filter(language="en").exists()
    statuses = sorted(GoodwillGrant.objects.values_list("status", flat=True))
    assert statuses == ["declined", "granted", "granted", "pending"]
    assert Incident.objects.get().affected.count() == 6
    assert ensure_desk_demo() is False
    assert GoodwillGrant.objects.count() == 4


def test_desk_demo_leaves_one_refund_waiting_and_one_overdue():
    from stammkunde.service.models import RefundClock
    from tests.factories import OrderLineFactory

    ensure_demo_staff("geheim-demo-1")
    for index in range(8):
        order = OrderFactory(
            customer=CustomerFactory(), placed_at=timezone.now() - timedelta(days=index + 1)
        )
        OrderLineFactory(order=order, quantity=2)
    ensure_desk_demo()
    clocks = list(RefundClock.objects.select_related("return_request").order_by("received_at"))
    assert len(clocks) == 2
    overdue, waiting = clocks
    assert overdue.breached_at is not None and overdue.refunded_at is None
    assert waiting.breached_at is None and waiting.refunded_at is None
    assert waiting.due_at > timezone.now()
    assert {clock.return_request.status for clock in clocks} == {"received"}
