"""The links in mails: one-click unsubscribe (RFC 8058), double opt-in confirmation, the
preference centre. Tokens that are forged, expired or used are refused alike."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.core.models import StoredEvent
from stammkunde.customers.models import ConsentChannel, ConsentRequest, ConsentSource
from stammkunde.customers.queries import current_consents
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.composing import preferences_url, unsubscribe_url
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import OutboundMessage, Suppression
from stammkunde.messaging.services.double_opt_in import ask_for_consent
from stammkunde.messaging.services.outbox import queue_message
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture(autouse=True)
def settings_for_links():
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, SITE_URL="https://crm.example"):
        yield


def granted(customer, purpose):
    states = {
        state.purpose: state.granted
        for state in current_consents(customer.pk)
        if state.channel == ConsentChannel.EMAIL
    }
    return states.get(purpose)


def newsletter_message(email="anna@example.org", customer=True):
    anna = CustomerFactory(email=email) if customer else None
    if anna:
        record_consent(
            anna,
            channel=ConsentChannel.EMAIL,
            purpose="newsletter",
            granted=True,
            source=ConsentSource.CUSTOMER,
        )
    return queue_message(
        customer=anna,
        to_address=email,
        purpose=Purpose.NEWSLETTER if anna else Purpose.TRANSACTIONAL,
        idempotency_key=f"nl-{email}",
        subject="Neu im Laden",
        text="Hallo",
        from_name="Jana",
        from_address="jana@shop.example",
        source_type="test",
        source_id="1",
    ).message


def path_of(url):
    return url.removeprefix("https://crm.example")


def test_one_click_post_unsubscribes_at_once_without_csrf_and_as_the_customer():
    message = newsletter_message()
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        path_of(unsubscribe_url(message)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert granted(message.customer, "newsletter") is False
    event = StoredEvent.objects.filter(name="customers.ConsentChanged").latest("id")
    assert event.origin == "customer"


def test_get_shows_a_button_and_changes_nothing():
    message = newsletter_message()
    response = Client().get(path_of(unsubscribe_url(message)))
    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert granted(message.customer, "newsletter") is True


def test_replayed_token_is_refused():
    message = newsletter_message()
    url = path_of(unsubscribe_url(message))
    assert Client().post(url).status_code == 200
    second = Client(HTTP_ACCEPT_LANGUAGE="en").post(url)
    assert second.status_code == 409
    assert b"used already" in second.content


@pytest.mark.parametrize("kind", ["forged", "expired", "other_kind"])
def test_bad_tokens_are_refused_alike_without_naming_anyone(kind):
    message = newsletter_message()
    good = unsubscribe_url(message).rstrip("/").rsplit("/", 1)[1]
    if kind == "forged":
        token = signing.dumps({"m": message.pk}, salt="someone-else", compress=True)
    elif kind == "expired":
        with override_settings():
            past = timezone.now() - timedelta(days=400)
            signer = signing.TimestampSigner(salt="stammkunde.messaging.unsubscribe")
            token = signer.sign_object({"m": message.pk}, compress=True)
            # Re-sign with an old timestamp: the same payload, a year and more ago.
            from unittest import mock

            with mock.patch("time.time", return_value=past.timestamp()):
                token = signer.sign_object({"m": message.pk}, compress=True)
    else:
        token = preferences_url(message).rstrip("/").rsplit("/", 1)[1]
    assert token != good
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("messaging:unsubscribe", args=[token])
    )
    assert response.status_code == 400
    assert b"anna" not in response.content.lower()
    assert granted(message.customer, "newsletter") is True


def test_address_without_customer_goes_on_the_suppression_list():
    kim = CustomerFactory(email="kim@example.org")
    record_consent(
        kim,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    message = queue_message(
        customer=kim,
        to_address="kim@example.org",
        purpose=Purpose.NEWSLETTER,
        idempotency_key="x",
        subject="s",
        text="t",
        from_name="Jana",
        from_address="jana@shop.example",
        source_type="test",
        source_id="1",
    ).message
    OutboundMessage.objects.filter(pk=message.pk).update(customer=None)
    assert Client().post(path_of(unsubscribe_url(message))).status_code == 200
    assert Suppression.objects.get(address="kim@example.org").reason == "unsubscribed_all"


def test_double_opt_in_keeps_the_proof_and_refuses_a_second_click():
    anna = CustomerFactory(email="anna@example.org", language="de")
    queued = ask_for_consent(
        anna, ["newsletter"], source="web_form", ip="203.0.113.7", user_agent="Firefox"
    )
    mail = queued.message
    assert mail.purpose == Purpose.TRANSACTIONAL
    assert mail.subject == "Bitte bestätigen Sie Ihre Anmeldung"
    link = next(line for line in mail.text_body.splitlines() if "/m/confirm/" in line)
    assert granted(anna, "newsletter") is None
    client = Client(
        HTTP_ACCEPT_LANGUAGE="de", HTTP_USER_AGENT="Thunderbird", REMOTE_ADDR="198.51.100.9"
    )
    page = client.get(path_of(link))
    assert "Newsletter mit Neuigkeiten und Angeboten" in page.content.decode()
    assert granted(anna, "newsletter") is None  # opening the link confirms nothing
    assert client.post(path_of(link)).status_code == 200
    assert granted(anna, "newsletter") is True
    proof = ConsentRequest.objects.get(customer=anna)
    assert proof.request_ip == "203.0.113.7" and proof.request_user_agent == "Firefox"
    assert proof.confirm_ip == "198.51.100.9" and proof.confirm_user_agent == "Thunderbird"
    assert proof.wording_version == "2026-12-01"
    assert "Newsletter mit Neuigkeiten und Angeboten" in proof.wording_text
    assert proof.consent_event.granted is True
    assert client.post(path_of(link)).status_code == 409


def test_preference_centre_withdraws_grants_and_pauses():
    message = newsletter_message()
    anna = message.customer
    url = path_of(preferences_url(message))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"purpose": ["feedback"], "pause": "30"})
    assert response.status_code == 200
    assert granted(anna, "newsletter") is False
    assert granted(anna, "feedback") is True
    assert ConsentRequest.objects.get(customer=anna, purpose="feedback").source == (
        "preference_centre"
    )
    # Paused: even the purpose just granted is held back, with the pause as the reason.
    queued = queue_message(
        customer=anna,
        to_address=anna.email,
        purpose=Purpose.FEEDBACK,
        idempotency_key="fb",
        subject="Wie war's?",
        text="t",
        from_name="Jana",
        from_address="jana@shop.example",
        source_type="test",
        source_id="1",
        order_id="1001",
    )
    assert queued.decision.rule == "paused"
    client.post(url, {"purpose": ["feedback"], "pause": "0"})
    assert b"paused until" not in client.get(url).content
