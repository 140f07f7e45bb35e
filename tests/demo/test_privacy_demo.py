"""The demo's privacy requests: the requests page has an answered export and an erasure that
waits, and no demo customer is erased; written once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.customers.models import Customer, PrivacyRequest
from stammkunde.demo.privacy import ensure_privacy_demo
from stammkunde.demo.staff import ensure_demo_staff
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.timeout(120)
def test_privacy_demo_records_an_export_and_erases_nobody():
    ensure_demo_staff("geheim-demo-1")
    for index in range(4):
        OrderFactory(
            customer=CustomerFactory(), placed_at=timezone.now() - timedelta(days=index + 1)
        )
    names = sorted(Customer.objects.values_list("last_name", flat=True))
    assert ensure_privacy_demo() is True
    requests = {record.kind: record.state for record in PrivacyRequest.objects.all()}
    assert requests["export"] == "done"
    assert requests.get("erasure", "deferred") == "deferred"
    assert sorted(Customer.objects.values_list("last_name", flat=True)) == names
    assert ensure_privacy_demo() is False
    assert PrivacyRequest.objects.count() == len(requests)
