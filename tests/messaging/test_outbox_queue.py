"""queue_message: address, suppression, consent and the governor decide; every decision is kept."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.governor_terms import HoldKind, Outcome, Purpose
from stammkunde.messaging.models import (
    ContactHold,
    MessageState,
    OutboundMessage,
    SendDecision,
    Suppression,
)
from stammkunde.messaging.queries import message_by_message_id
from stammkunde.messaging.services.holds import release_contact_hold, set_contact_hold
from stammkunde.messaging.services.outbox import MessagingError, queue_message
from stammkunde.messaging.services.suppression import remove_suppression, suppress_address
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture(autouse=True)
def no_quiet_hours():
    """Decisions must not depend on the hour the test runs at."""
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, MAIL_DOMAIN="mail.shop.example"):
        yield


def queue(customer, key, purpose=Purpose.TRANSACTIONAL, **extra):
    values = {
        "customer": customer,
        "to_address": customer.email if customer else "kim@example.org",
        "purpose": purpose,
        "idempotency_key": key,
        "subject": "Ihr Paket ist unterwegs",
        "text": "Hallo Anna, ...",
        "from_name": "Jana Berger",
        "from_address": "jana@shop.example",
        "source_type": "test",
        "source_id": key,
    }
    values.update(extra)
    return queue_message(**values)


def grant(customer, purpose):
    record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=purpose,
        granted=True,
        source=ConsentSource.CUSTOMER,
    )


def test_transactional_message_is_queued_with_a_stable_message_id():
    anna = CustomerFactory(email="Anna@Example.org ")
    result = queue(anna, "t1")
    message = result.message
    assert message.state == MessageState.QUEUED
    assert message.to_address == "anna@example.org"
    assert message.message_id.startswith("<") and message.message_id.endswith("@mail.shop.example>")
    assert result.decision.outcome == Outcome.SEND
    assert result.decision.rule == "transactional"
    assert message_by_message_id(message.message_id) == message
    assert message_by_message_id(message.message_id.strip("<>")) == message
    assert message_by_message_id("<unknown@x>") is None


def test_a_second_call_with_the_same_key_returns_the_first_result():
    anna = CustomerFactory(email="anna@example.org")
    first = queue(anna, "same")
    second = queue(anna, "same", subject="changed")
    assert second.message.pk == first.message.pk
    assert second.decision.pk == first.decision.pk
    assert OutboundMessage.objects.count() == 1
    assert SendDecision.objects.count() == 1


def test_held_back_message_is_idempotent_too():
    anna = CustomerFactory(email="anna@example.org")
    first = queue(anna, "nl-1", Purpose.NEWSLETTER)
    second = queue(anna, "nl-1", Purpose.NEWSLETTER)
    assert first.message is None and second.message is None
    assert second.decision.pk == first.decision.pk
    assert SendDecision.objects.count() == 1


def test_newsletter_without_consent_is_held_back_with_the_reason_on_the_timeline():
    anna = CustomerFactory(email="anna@example.org")
    result = queue(anna, "nl", Purpose.NEWSLETTER)
    assert result.held_back
    assert result.decision.outcome == Outcome.SUPPRESS
    assert result.decision.rule == "no_consent"
    entry = Activity.objects.get(customer=anna, kind="message_held_back")
    assert entry.params == {"message": "Ihr Paket ist unterwegs", "rule": "no_consent"}


def test_newsletter_with_consent_is_queued_and_a_withdrawal_stops_the_next():
    anna = CustomerFactory(email="anna@example.org")
    grant(anna, "newsletter")
    assert queue(anna, "nl-1", Purpose.NEWSLETTER).message.legal_basis == "consent"
    record_consent(
        anna,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=False,
        source=ConsentSource.CUSTOMER,
    )
    assert queue(anna, "nl-2", Purpose.NEWSLETTER).decision.rule == "no_consent"


def test_governor_holds_back_a_third_promotional_mail_and_delays_within_the_gap():
    anna = CustomerFactory(email="anna@example.org")
    grant(anna, "newsletter")
    grant(anna, "recommendation")
    first = queue(anna, "nl-1", Purpose.NEWSLETTER)
    assert first.decision.outcome == Outcome.SEND
    # A newsletter may not wait: within the 48 h gap it is held back.
    second = queue(anna, "nl-2", Purpose.NEWSLETTER)
    assert second.held_back
    assert second.decision.rule == "minimum_gap"
    assert second.decision.params == {"hours": 48}
    # A recommendation may wait: it is queued as delayed until the gap ends.
    third = queue(anna, "rec-1", Purpose.RECOMMENDATION)
    assert third.decision.outcome == Outcome.DELAY
    assert third.message.state == MessageState.HELD
    expected = first.message.next_attempt_at + timedelta(hours=48)
    assert abs(third.message.next_attempt_at - expected) < timedelta(seconds=1)


def test_transactional_mail_is_never_blocked_by_a_hold_but_marketing_is():
    anna = CustomerFactory(email="anna@example.org")
    grant(anna, "newsletter")
    set_contact_hold(customer_id=anna.pk, kind=HoldKind.OPEN_CASE, reference="VG-10234")
    assert queue(anna, "tx", Purpose.TRANSACTIONAL).decision.outcome == Outcome.SEND
    held = queue(anna, "nl", Purpose.NEWSLETTER)
    assert held.decision.rule == "open_case"
    release_contact_hold(customer_id=anna.pk, kind=HoldKind.OPEN_CASE, reference="VG-10234")
    assert queue(anna, "nl-after", Purpose.NEWSLETTER).decision.outcome == Outcome.SEND


def test_a_complaint_lingers_after_release():
    anna = CustomerFactory(email="anna@example.org")
    grant(anna, "newsletter")
    set_contact_hold(customer_id=anna.pk, kind=HoldKind.COMPLAINT, reference="VG-1")
    hold = release_contact_hold(
        customer_id=anna.pk, kind=HoldKind.COMPLAINT, reference="VG-1", linger_days=30
    )
    assert hold.until - hold.released_at == timedelta(days=30)
    assert queue(anna, "nl", Purpose.NEWSLETTER).decision.rule == "recent_complaint"
    kinds = list(
        Activity.objects.filter(customer=anna, kind__startswith="contact_hold").values_list(
            "kind", "params"
        )
    )
    assert ("contact_hold_set", {"reason": "recent_complaint", "text": "VG-1"}) in kinds
    assert (
        "contact_hold_set",
        {"reason": "recent_complaint", "until": hold.until.date().isoformat()},
    ) in kinds


def test_setting_a_hold_twice_keeps_one_and_releasing_an_unknown_one_is_none():
    anna = CustomerFactory(email="anna@example.org")
    first = set_contact_hold(customer_id=anna.pk, kind=HoldKind.OPEN_CASE, reference="VG-7")
    second = set_contact_hold(customer_id=anna.pk, kind=HoldKind.OPEN_CASE, reference="VG-7")
    assert first.pk == second.pk
    assert ContactHold.objects.count() == 1
    assert (
        release_contact_hold(customer_id=anna.pk, kind=HoldKind.OPEN_CASE, reference="VG-8") is None
    )


@pytest.mark.parametrize(
    ("address", "rule"), [("", "no_address"), ("not-an-address", "invalid_address")]
)
def test_missing_or_invalid_address_is_held_back(address, rule):
    kim = CustomerFactory(email=None)
    result = queue(kim, f"k-{rule}", to_address=address)
    assert result.held_back
    assert result.decision.rule == rule


def test_bounced_address_gets_nothing_unsubscribed_one_still_gets_transactional():
    anna = CustomerFactory(email="anna@example.org")
    ben = CustomerFactory(email="ben@example.org")
    suppress_address(address="ANNA@example.org", reason="hard_bounce", source="test")
    suppress_address(address="ben@example.org", reason="unsubscribed_all", source="test")
    assert queue(anna, "a-tx").decision.rule == "bounced"
    assert queue(ben, "b-tx").decision.outcome == Outcome.SEND
    grant(ben, "newsletter")
    assert queue(ben, "b-nl", Purpose.NEWSLETTER).decision.rule == "unsubscribed"
    assert Activity.objects.filter(customer=ben, kind="unsubscribed").count() == 1


def test_suppressing_twice_keeps_one_entry_and_a_bounce_outranks_an_unsubscribe():
    suppress_address(address="ben@example.org", reason="unsubscribed_all", source="link")
    suppress_address(address="ben@example.org", reason="manual", source="x")
    entry = suppress_address(address="Ben@example.org", reason="hard_bounce", source="smtp")
    assert Suppression.objects.count() == 1
    assert entry.reason == "manual"


def test_staff_removes_an_address_with_an_audit_entry(admin_user):
    from stammkunde.audit.models import AuditEntry

    suppress_address(address="ben@example.org", reason="manual", source="staff")
    assert remove_suppression(address="ben@example.org", by=admin_user)
    assert not Suppression.objects.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="messaging.suppression").exists()
    assert not remove_suppression(address="ben@example.org", by=admin_user)


def test_existing_customer_exception_is_off_by_default_and_adds_its_basis_when_on():
    anna = CustomerFactory(email="anna@example.org")
    OrderFactory(customer=anna)
    assert queue(anna, "rec-off", Purpose.RECOMMENDATION).decision.rule == "no_consent"
    with override_settings(MESSAGING_EXISTING_CUSTOMER_EXCEPTION=True):
        queued = queue(anna, "rec-on", Purpose.RECOMMENDATION)
        assert queued.message.legal_basis == "existing_customer"
        # Never for the newsletter, and never after an objection.
        assert queue(anna, "nl-on", Purpose.NEWSLETTER).decision.rule == "no_consent"
        record_consent(
            anna,
            channel=ConsentChannel.EMAIL,
            purpose="recommendation",
            granted=False,
            source=ConsentSource.CUSTOMER,
        )
        assert queue(anna, "rec-obj", Purpose.RECOMMENDATION).decision.rule == "no_consent"


def test_unknown_purpose_and_missing_key_are_programming_errors():
    anna = CustomerFactory(email="anna@example.org")
    with pytest.raises(MessagingError):
        queue(anna, "x", "spam")
    with pytest.raises(MessagingError):
        queue(anna, "")


def test_not_before_queues_for_later():
    anna = CustomerFactory(email="anna@example.org")
    later = timezone.now() + timedelta(hours=5)
    message = queue(anna, "later", not_before=later).message
    assert message.next_attempt_at == later
