"""Reading the consent ledger for many customers at once (the outbox worker's batch)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.queries import consent_granted_many, current_consents
from stammkunde.customers.services.consent import record_consent
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def consent(customer, purpose, granted, *, days_ago, channel=ConsentChannel.EMAIL):
    record_consent(
        customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=ConsentSource.CUSTOMER,
        given_at=timezone.now() - timedelta(days=days_ago),
    )


def test_the_newest_event_per_purpose_wins_as_for_one_customer():
    anna, ben, carla = CustomerFactory(), CustomerFactory(), CustomerFactory()
    consent(anna, "newsletter", True, days_ago=10)
    consent(anna, "newsletter", False, days_ago=2)  # withdrawn later
    consent(anna, "feedback", True, days_ago=5)
    # Recorded later, but given earlier: the time it was given decides.
    consent(ben, "newsletter", True, days_ago=1)
    consent(ben, "newsletter", False, days_ago=30)
    consent(carla, "newsletter", True, days_ago=3, channel=ConsentChannel.SMS)

    found = consent_granted_many([anna.pk, ben.pk, carla.pk], channel=ConsentChannel.EMAIL)

    assert found == {
        (anna.pk, "newsletter"): False,
        (anna.pk, "feedback"): True,
        (ben.pk, "newsletter"): True,
    }
    for customer in (anna, ben):
        one_by_one = {
            (customer.pk, state.purpose): state.granted
            for state in current_consents(customer.pk)
            if state.channel == ConsentChannel.EMAIL
        }
        assert {key: found[key] for key in one_by_one} == one_by_one


def test_customers_not_asked_for_are_left_out():
    anna, ben = CustomerFactory(), CustomerFactory()
    consent(anna, "newsletter", True, days_ago=1)
    consent(ben, "newsletter", True, days_ago=1)

    assert consent_granted_many([ben.pk], channel=ConsentChannel.EMAIL) == {
        (ben.pk, "newsletter"): True
    }
    assert consent_granted_many([], channel=ConsentChannel.EMAIL) == {}
