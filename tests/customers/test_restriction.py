"""Restriction of processing on its own (Art. 18 GDPR, issue 12): staff restrict a customer
with a reason and lift it again, audited; messaging holds every non-transactional message
with that reason; scores, segments and their exports leave the customer out; the data stays."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from stammkunde.analytics.models import CustomerScore, Segment
from stammkunde.analytics.segment_services import export_segment_rows
from stammkunde.analytics.segments import customers_in_segment
from stammkunde.analytics.writing import delete_restricted_scores
from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import ConsentChannel, ConsentSource, Customer, PrivacyRequest
from stammkunde.customers.privacy.restriction import (
    RestrictionRefused,
    is_processing_restricted,
    lift_restriction,
    restrict_processing,
)
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.governor_terms import Outcome, Purpose
from stammkunde.messaging.services.bulk_decisions import decide_many
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.timeline.models import Activity
from stammkunde.timeline.rendering import render_summary
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

REASON = "Kundin bestreitet die Richtigkeit der Adresse"


@pytest.fixture(autouse=True)
def no_quiet_hours():
    governor = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
    with override_settings(MESSAGING_GOVERNOR=governor, MAIL_DOMAIN="mail.shop.example"):
        yield


@pytest.fixture
def subscriber(db):
    customer = CustomerFactory(email="rita@example.de", last_name="Rosenbaum")
    record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    return customer


def _mail(customer, key, purpose):
    return queue_message(
        customer=customer,
        to_address=customer.email,
        purpose=purpose,
        idempotency_key=key,
        subject=f"Betreff {key}",
        text="Hallo",
        from_name="Lena Vogel",
        from_address="lena@shop.example",
        source_type="test",
        source_id=key,
    )


def test_restricting_and_lifting_are_audited_and_keep_the_data(subscriber, team_lead):
    restrict_processing(subscriber.pk, by=team_lead, reason=REASON)
    stored = Customer.objects.get(pk=subscriber.pk)
    assert is_processing_restricted(stored)
    assert stored.processing_restriction_reason == REASON
    assert stored.email == "rita@example.de"  # kept, not erased
    lift_restriction(subscriber.pk, by=team_lead)
    assert not is_processing_restricted(Customer.objects.get(pk=subscriber.pk))
    details = list(
        AuditEntry.objects.filter(
            actor=team_lead, action=AuditAction.CHANGE, customer_id=subscriber.pk
        ).values_list("detail", flat=True)
    )
    assert sorted(details) == [
        "processing restricted (Art. 18 GDPR)",
        "restriction of processing lifted",
    ]


def test_restricting_and_lifting_record_a_privacy_request_and_a_timeline_entry(
    subscriber, team_lead
):
    restrict_processing(subscriber.pk, by=team_lead, reason=REASON)
    lift_restriction(subscriber.pk, by=team_lead)
    requests = list(
        PrivacyRequest.objects.filter(customer_id=subscriber.pk, kind="restrict").order_by("id")
    )
    assert [(r.summary["action"], r.state, r.requested_by) for r in requests] == [
        ("restricted", "done", team_lead),
        ("lifted", "done", team_lead),
    ]
    entries = list(
        Activity.objects.filter(customer=subscriber, kind="processing_restricted").order_by("id")
    )
    assert [entry.params for entry in entries] == [
        {"state": "set", "reason": REASON},
        {"state": "lifted"},
    ]
    with translation.override("de"):
        assert render_summary("processing_restricted", entries[0].params) == (
            f"Verarbeitung eingeschränkt (Art. 18 DSGVO): {REASON}"
        )
        assert render_summary("processing_restricted", entries[1].params) == (
            "Einschränkung der Verarbeitung aufgehoben"
        )
    with translation.override("en"):
        assert render_summary("processing_restricted", entries[1].params) == (
            "Restriction of processing lifted"
        )
    # lifting again changes nothing: no second record
    lift_restriction(subscriber.pk, by=team_lead)
    assert PrivacyRequest.objects.filter(customer_id=subscriber.pk).count() == 2


def test_a_restriction_needs_a_reason(subscriber, team_lead):
    with pytest.raises(RestrictionRefused):
        restrict_processing(subscriber.pk, by=team_lead, reason="   ")
    assert not is_processing_restricted(Customer.objects.get(pk=subscriber.pk))


def test_marketing_is_held_with_the_reason_and_transactional_mail_still_goes(subscriber, team_lead):
    restrict_processing(subscriber.pk, by=team_lead, reason=REASON)
    subscriber.refresh_from_db()  # callers load the customer they write to
    held = _mail(subscriber, "during", Purpose.NEWSLETTER)
    assert held.held_back
    assert held.decision.outcome == Outcome.SUPPRESS
    assert held.decision.rule == "restricted"
    assert held.decision.params["reason"] == REASON
    entry = Activity.objects.filter(customer=subscriber, params__rule="restricted").get()
    assert entry.params["reason"] == REASON
    assert not _mail(subscriber, "shipping", Purpose.TRANSACTIONAL).held_back
    lift_restriction(subscriber.pk, by=team_lead)
    subscriber.refresh_from_db()
    # the governor may still hold it (the shipping mail was just sent), but not the restriction
    assert _mail(subscriber, "after", Purpose.NEWSLETTER).decision.rule != "restricted"


def test_bulk_decisions_hold_restricted_customers_like_single_ones(subscriber, team_lead):
    restrict_processing(subscriber.pk, by=team_lead, reason=REASON)
    (decision,) = decide_many(
        [(subscriber.pk, subscriber.email)], purpose=Purpose.NEWSLETTER, at=timezone.now()
    )
    assert (decision.outcome, decision.rule, decision.params) == (
        Outcome.SUPPRESS.value,
        "restricted",
        {"reason": REASON},
    )


def test_segments_exports_and_scores_leave_a_restricted_customer_out(subscriber, team_lead):
    other = CustomerFactory(email="otto@example.de")
    segment = Segment.objects.create(name="Alle", definition={})
    CustomerScore.objects.create(customer=subscriber, scored_at=timezone.now())
    CustomerScore.objects.create(customer=other, scored_at=timezone.now())
    assert subscriber in set(customers_in_segment(segment))
    restrict_processing(subscriber.pk, by=team_lead, reason=REASON)
    assert set(customers_in_segment(segment)) == {other}
    rows = list(export_segment_rows(segment, by=team_lead))
    exported = b"".join(r if isinstance(r, bytes) else r.encode() for r in rows).decode("utf-8")
    assert "rita@example.de" not in exported and "otto@example.de" in exported
    assert delete_restricted_scores() == 1
    assert list(CustomerScore.objects.values_list("customer_id", flat=True)) == [other.pk]


def test_staff_restrict_and_lift_on_the_privacy_page(client, team_lead, subscriber):
    client.force_login(team_lead)
    page = reverse("ui:customer-privacy", args=[subscriber.pk])
    response = client.post(reverse("ui:customer-restrict", args=[subscriber.pk]), {"reason": ""})
    assert response.status_code == 302
    assert not is_processing_restricted(Customer.objects.get(pk=subscriber.pk))
    client.post(reverse("ui:customer-restrict", args=[subscriber.pk]), {"reason": REASON})
    assert is_processing_restricted(Customer.objects.get(pk=subscriber.pk))
    html = client.get(page, headers={"Accept-Language": "de"}).content.decode()
    assert "Verarbeitung eingeschränkt seit" in html and REASON in html
    client.post(reverse("ui:customer-lift-restriction", args=[subscriber.pk]))
    assert not is_processing_restricted(Customer.objects.get(pk=subscriber.pk))


def test_an_agent_may_not_restrict(client, agent, subscriber):
    client.force_login(agent)
    response = client.post(
        reverse("ui:customer-restrict", args=[subscriber.pk]), {"reason": REASON}
    )
    assert response.status_code == 403
    assert not is_processing_restricted(Customer.objects.get(pk=subscriber.pk))
