"""The demo's service cases: every queue tab and the report have something to show; once."""

from __future__ import annotations

import pytest

from stammkunde.demo.cases import ensure_cases_demo
from stammkunde.demo.staff import ensure_demo_staff
from stammkunde.service.models import Case
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_cases_demo_fills_every_state_once():
    ensure_demo_staff("geheim-demo-1")
    for _index in range(14):
        OrderFactory(customer=CustomerFactory())
    assert ensure_cases_demo(count=12) is True
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"new", "waiting_customer", "open", "solved", "closed"} <= statuses
    assert Case.objects.filter(escalated_at__isnull=False).exists()
    assert Case.objects.filter(merged_into__isnull=False).count() == 1
    assert Case.objects.exclude(team=None).count() == Case.objects.count()
    count = Case.objects.count()
    assert ensure_cases_demo(count=12) is False
    assert Case.objects.count() == count
