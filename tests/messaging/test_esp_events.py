"""ESP tracking webhooks through django-anymail: a hard bounce, a complaint or an unsubscribe
reported by the ESP puts the address on the suppression list (Postmark's payloads as the
example; every anymail ESP reports the same normalized events)."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client, override_settings

from stammkunde.messaging.models import Suppression

pytestmark = pytest.mark.django_db

SECRET = "hook:s3cret-words"


def post(payload: dict, secret: str = SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    with override_settings(ANYMAIL={"WEBHOOK_SECRET": SECRET}):
        return Client().post(
            "/anymail/postmark/tracking/",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Basic {auth}",
        )


def test_hard_bounce_and_complaint_are_suppressed_with_their_reason():
    bounce = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "Email": "Ghost@Example.org",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "BouncedAt": "2026-12-03T10:00:00Z",
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 unknown user",
    }
    assert post(bounce).status_code == 200
    complaint = {
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Email": "angry@example.org",
        "MessageID": "00000000-0000-0000-0000-000000000001",
        "BouncedAt": "2026-12-03T10:05:00Z",
    }
    assert post(complaint).status_code == 200
    reasons = dict(Suppression.objects.values_list("address", "reason"))
    assert reasons == {"ghost@example.org": "hard_bounce", "angry@example.org": "complaint"}
    assert Suppression.objects.get(address="ghost@example.org").source == "Postmark webhook"


def test_a_soft_bounce_suppresses_nothing_and_a_wrong_secret_is_refused():
    soft = {
        "RecordType": "Bounce",
        "Type": "SoftBounce",
        "TypeCode": 4096,
        "Email": "full@example.org",
        "MessageID": "00000000-0000-0000-0000-000000000002",
        "BouncedAt": "2026-12-03T10:00:00Z",
    }
    assert post(soft).status_code == 200
    forged = {**soft, "Type": "HardBounce", "TypeCode": 1}
    assert post(forged, secret="hook:wrong").status_code in (400, 401, 403)
    assert not Suppression.objects.exists()


BOUNCE = {
    "RecordType": "Bounce",
    "Type": "HardBounce",
    "TypeCode": 1,
    "Email": "victim@example.de",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "BouncedAt": "2026-12-03T10:00:00Z",
    "Description": "forged",
    "Details": "forged",
}


@pytest.mark.parametrize("esp", ["postmark", "sendgrid", "brevo", "mailjet", "amazon_ses"])
def test_without_a_webhook_secret_the_tracking_webhooks_are_closed(esp):
    """Anymail accepts anyone's POST while no secret is set (it only warns): a forged bounce
    would stop every mail to any address. Closed (404) until STAMMKUNDE_ANYMAIL_WEBHOOK_SECRET
    is set."""
    with override_settings(ANYMAIL={}):
        response = Client().post(
            f"/anymail/{esp}/tracking/", data=json.dumps(BOUNCE), content_type="application/json"
        )
    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_a_signed_provider_needs_no_basic_auth():
    """Mailgun's webhooks check Mailgun's own signature (its signing key): not closed."""
    with override_settings(ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": "key-123"}):
        response = Client().post("/anymail/mailgun/tracking/", data={"signature": "forged"})
    assert response.status_code != 404  # anymail's own refusal of the wrong signature
    assert response.status_code >= 400
