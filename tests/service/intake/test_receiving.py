"""Storing inbound mail before anything parses it: our signed raw endpoint and the mail
providers' webhooks (django-anymail); each answers 2xx only after the row is committed."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import InboundMail, InboundSource, InboundState
from stammkunde.service.views import REFERENCE_HEADER, SIGNATURE_HEADER, signature_for
from tests.service.intake.fixtures import raw

pytestmark = pytest.mark.django_db

SECRET = "raw-mail-secret"
MESSAGE = raw("customer-de-windows-1252-outlook2000.eml")


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.INBOUND_MAIL_SECRET = SECRET
    settings.ANYMAIL = {"WEBHOOK_SECRET": "provider:pass"}


def _post_raw(client, body: bytes, *, signature: str | None = None, **headers):
    signature = signature_for(body, SECRET) if signature is None else signature
    return client.post(
        reverse("service:inbound-raw"),
        data=body,
        content_type="message/rfc822",
        headers={SIGNATURE_HEADER: signature, **headers},
    )


def test_a_signed_raw_message_is_stored_byte_for_byte(client):
    response = _post_raw(client, MESSAGE)
    assert response.status_code == 202
    mail = InboundMail.objects.get(pk=response.json()["id"])
    assert bytes(mail.raw) == MESSAGE
    assert (mail.source, mail.state, mail.size) == (InboundSource.RAW, "received", len(MESSAGE))


def test_a_wrong_or_missing_signature_is_refused_and_nothing_stored(client):
    assert _post_raw(client, MESSAGE, signature="sha256=00").status_code == 401
    assert _post_raw(client, MESSAGE, signature="").status_code == 401
    assert InboundMail.objects.count() == 0


def test_the_same_reference_twice_is_stored_once(client):
    first = _post_raw(client, MESSAGE, **{REFERENCE_HEADER: "relay-42"})
    second = _post_raw(client, MESSAGE, **{REFERENCE_HEADER: "relay-42"})
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    assert InboundMail.objects.count() == 1


def test_a_message_above_the_limit_is_refused_with_413(client, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 1000
    assert _post_raw(client, MESSAGE).status_code == 413
    assert InboundMail.objects.count() == 0


def test_raw_endpoint_is_off_without_a_secret(client, settings):
    settings.INBOUND_MAIL_SECRET = ""
    assert _post_raw(client, MESSAGE, signature="sha256=x").status_code == 404


def test_an_empty_body_is_a_clear_400(client):
    assert _post_raw(client, b"").status_code == 400


def _basic(user_pass: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user_pass.encode()).decode()}


def test_a_provider_message_is_stored_through_anymail(client):
    payload = {"RawEmail": MESSAGE.decode("latin-1"), "MessageID": "pm-1"}
    response = client.post(
        reverse("service:inbound-postmark"),
        data=json.dumps(payload),
        content_type="application/json",
        headers=_basic("provider:pass"),
    )
    assert response.status_code == 200
    mail = InboundMail.objects.get()
    assert mail.source == InboundSource.WEBHOOK
    assert b"Die Hasen und die Fr" in bytes(mail.raw)


def test_a_provider_without_our_credentials_is_refused(client):
    response = client.post(
        reverse("service:inbound-postmark"),
        data=json.dumps({"RawEmail": "Subject: x\r\n\r\ny"}),
        content_type="application/json",
        headers=_basic("provider:wrong"),
    )
    assert response.status_code == 400
    assert InboundMail.objects.count() == 0


def test_store_keeps_any_bytes_even_garbage():
    stored = store_inbound_mail(raw=b"\x00\xff not mail", source=InboundSource.RAW)
    assert stored.created is True
    assert stored.mail.state == InboundState.RECEIVED
    assert bytes(InboundMail.objects.get().raw) == b"\x00\xff not mail"


def test_storing_enqueues_processing_after_the_commit(django_capture_on_commit_callbacks, settings):
    from django_tasks import task_backends

    from stammkunde.service.intake.receiving import enqueue_processing

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "intake"],
        }
    }
    enqueue_processing._confirmed_at = -100.0  # no throttle left from another test
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        store_inbound_mail(raw=MESSAGE, source=InboundSource.RAW)
    assert len(callbacks) == 1
    queued = [result.task.module_path for result in task_backends["default"].results]
    assert queued == ["stammkunde.service.intake.tasks.process_inbound_mail"]


@pytest.mark.parametrize("esp", ["postmark", "sendgrid", "brevo", "mailjet", "sparkpost"])
def test_without_a_webhook_secret_the_providers_inbound_webhooks_are_closed(client, settings, esp):
    """Anymail accepts anyone's POST while no secret is set (it only warns): a forged message
    from any address would open a case in that customer's name. Closed (404) until
    STAMMKUNDE_ANYMAIL_WEBHOOK_SECRET is set, as the raw endpoint is without its secret."""
    settings.ANYMAIL = {}
    payload = {"RawEmail": MESSAGE.decode("latin-1"), "MessageID": "pm-1"}
    response = client.post(
        reverse(f"service:inbound-{esp}"), data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 404
    assert not InboundMail.objects.exists()
