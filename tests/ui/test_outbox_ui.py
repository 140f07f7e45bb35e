"""The outbox, the suppression list, the consent proof and the messages panel of the 360 page."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage, Suppression
from stammkunde.messaging.services.double_opt_in import ask_for_consent
from stammkunde.messaging.services.outbox import queue_message
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture(autouse=True)
def governor_settings():
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS):
        yield


def queue(customer, key, purpose=Purpose.TRANSACTIONAL):
    return queue_message(
        customer=customer,
        to_address=customer.email,
        purpose=purpose,
        idempotency_key=key,
        subject=f"Betreff {key}",
        text="Hallo",
        from_name="Jana",
        from_address="jana@shop.example",
        source_type="test",
        source_id=key,
    )


def test_customer_page_shows_sent_and_held_back_messages_with_the_reason(client, agent):
    anna = CustomerFactory(email="anna@example.org")
    queue(anna, "tx")
    queue(anna, "nl", Purpose.NEWSLETTER)
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[anna.pk])).content.decode()
    assert 'id="customer-messages"' in html
    assert "Betreff tx" in html and "Betreff nl" in html
    assert "No consent" in html
    # The panel's read is audited, folded into the page's one row for this customer.
    views = AuditEntry.objects.filter(action="view", customer_id=anna.pk, actor=agent)
    assert views.count() == 1


def test_outbox_is_for_marketing_and_leads_not_agents(client, agent, marketer):
    client.force_login(agent)
    assert client.get(reverse("ui:outbox-list")).status_code == 403
    client.force_login(marketer)
    assert client.get(reverse("ui:outbox-list")).status_code == 200


def test_team_lead_resends_an_uncertain_message(client, team_lead):
    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "lost").message
    OutboundMessage.objects.filter(pk=message.pk).update(state=MessageState.UNCERTAIN)
    client.force_login(team_lead)
    page = client.get(reverse("ui:outbox-list") + "?state=uncertain").content.decode()
    assert "Betreff lost" in page and "Send again" in page
    response = client.post(reverse("ui:outbox-resolve", args=[message.pk]), {"action": "resend"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert message.resolved_by == team_lead
    again = client.post(reverse("ui:outbox-resolve", args=[message.pk]), {"action": "resend"})
    assert again.status_code == 302  # refused with a message, no error page


def test_marketing_keeps_the_suppression_list_audited(client, marketer, agent):
    client.force_login(marketer)
    client.post(reverse("ui:suppression-add"), {"address": "Ben@Example.org"})
    assert Suppression.objects.get().address == "ben@example.org"
    bad = client.post(reverse("ui:suppression-add"), {"address": "not an address"}, follow=True)
    assert "is not a valid e-mail address" in bad.content.decode()
    assert "ben@example.org" in client.get(reverse("ui:suppression-list")).content.decode()
    client.post(reverse("ui:suppression-remove"), {"address": "ben@example.org"})
    assert not Suppression.objects.exists()
    assert AuditEntry.objects.filter(object_type="messaging.suppression", action="delete").exists()
    client.force_login(agent)
    assert client.post(reverse("ui:suppression-add"), {"address": "x@y.de"}).status_code == 403


def test_consent_proof_is_printable_with_the_wording(client, team_lead):
    anna = CustomerFactory(email="anna@example.org", language="en")
    ask_for_consent(anna, ["newsletter"], source="web_form", ip="203.0.113.7", user_agent="Firefox")
    client.force_login(team_lead)
    html = client.get(reverse("ui:consent-proof", args=[anna.pk])).content.decode()
    assert "203.0.113.7" in html and "Firefox" in html
    assert "newsletter with news and offers" in html
    assert "not confirmed" in html
    assert "data-print" in html


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Das Postfach des Empfängers ist voll."),
        ("en", "The recipient&#x27;s mailbox is full."),
    ],
)
def test_a_failed_message_tells_its_reason_in_the_readers_language(
    client, team_lead, language, reason
):
    import smtplib

    from django.conf import settings

    from stammkunde.messaging.delivery_errors import classify
    from stammkunde.messaging.services.transitions import mark_failed_attempt

    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "full").message
    OutboundMessage.objects.filter(pk=message.pk).update(state=MessageState.SENDING)
    refusal = smtplib.SMTPRecipientsRefused({anna.email: (552, b"5.2.2 mailbox full")})
    assert mark_failed_attempt(message, classify(refusal)) == MessageState.FAILED
    message.refresh_from_db()
    # Stored once, by a worker without a language: the code beside the server's words.
    assert message.error_code == "mailbox_full"
    assert "552" in message.error

    client.force_login(team_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("ui:outbox-list") + "?state=failed").content.decode()

    assert reason in page


def test_an_uncertain_message_says_so_in_german(client, team_lead):
    from datetime import timedelta

    from django.utils import timezone

    from stammkunde.messaging.services.transitions import mark_uncertain

    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "lost").message
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=MessageState.SENDING, lease_until=now - timedelta(minutes=1)
    )
    assert mark_uncertain(now=now) == 1

    client.force_login(team_lead)
    client.cookies["django_language"] = "de"
    page = client.get(reverse("ui:outbox-list") + "?state=uncertain").content.decode()

    assert "Der Versand brach bei der Übergabe ab" in page
    assert "the worker stopped" not in page


def test_the_suppression_list_names_the_customers_whose_addresses_it_shows(client, marketer):
    """An address on the list is a customer's e-mail: their audit trail shows who saw it."""
    anna = CustomerFactory(email="anna@example.org")
    Suppression.objects.create(address="anna@example.org", reason="manual")
    client.force_login(marketer)
    assert "anna@example.org" in client.get(reverse("ui:suppression-list")).content.decode()
    entry = AuditEntry.objects.get(object_type="messaging.suppression", action="view")
    assert list(entry.customers.values_list("customer_id", flat=True)) == [anna.pk]
