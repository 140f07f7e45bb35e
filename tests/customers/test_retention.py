"""Retention rules: customers without orders are erased a set time after their last sign of life."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stammkunde.customers.models import (
    Customer,
    CustomerStatus,
    PrivacyRequest,
    PrivacyRequestChannel,
)
from stammkunde.customers.privacy.housekeeping import erase_due_by_retention_rules
from stammkunde.customers.retention import RetentionRule, due_erasures
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import ShopAccount
from tests.factories import OrderFactory

TODAY = date(2026, 12, 3)


def last_seen(customer: Customer, when: date) -> None:
    moment = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
    Customer.objects.filter(pk=customer.pk).update(updated_at=moment)
    customer.activities.update(occurred_at=moment)


@pytest.fixture
def contacts(db, shop, settings):
    settings.RETENTION_LEAD_DAYS = 365
    settings.RETENTION_UNVERIFIED_DAYS = 30
    lead = create_customer(by=None, email="lead@example.de", last_name="Lehmann")
    ShopAccount.objects.create(shop=shop, customer=lead, external_id="L-1")
    unverified = create_customer(by=None, email="wer@example.de", last_name="Unbekannt")
    buyer = create_customer(by=None, email="kauf@example.de", last_name="Käufer")
    OrderFactory(customer=buyer)
    fresh = create_customer(by=None, email="neu@example.de", last_name="Neu")
    last_seen(lead, date(2025, 11, 1))
    last_seen(unverified, date(2026, 10, 1))
    last_seen(buyer, date(2020, 1, 1))
    last_seen(fresh, date(2026, 12, 1))
    return {"lead": lead, "unverified": unverified, "buyer": buyer, "fresh": fresh}


def test_the_list_says_who_is_erased_when_and_why(contacts):
    due = {item.customer_id: item for item in due_erasures(today=TODAY, horizon_days=14)}
    assert set(due) == {contacts["lead"].pk, contacts["unverified"].pk}
    assert due[contacts["lead"].pk].rule == RetentionRule.LEAD
    assert due[contacts["lead"].pk].due_on == date(2026, 11, 1)
    assert due[contacts["unverified"].pk].rule == RetentionRule.UNVERIFIED
    assert due[contacts["unverified"].pk].due_on == date(2026, 10, 31)


def test_the_daily_job_erases_those_due_and_records_why(contacts):
    assert erase_due_by_retention_rules(today=TODAY) == 2
    statuses = dict(Customer.objects.values_list("pk", "status"))
    assert statuses[contacts["lead"].pk] == CustomerStatus.ERASED
    assert statuses[contacts["unverified"].pk] == CustomerStatus.ERASED
    assert statuses[contacts["buyer"].pk] == CustomerStatus.ACTIVE
    assert statuses[contacts["fresh"].pk] == CustomerStatus.ACTIVE
    record = PrivacyRequest.objects.get(customer_id=contacts["lead"].pk)
    assert record.channel == PrivacyRequestChannel.RETENTION
    assert record.reference == "lead_without_orders:365d"
