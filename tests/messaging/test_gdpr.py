"""Messaging's GDPR handlers: registered, export what is held, erase what identifies."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings

from stammkunde.core.gdpr import ErasureRequest, erasure_handlers, export_handlers
from stammkunde.messaging.governor_terms import HoldKind, Purpose
from stammkunde.messaging.models import ContactHold, MessageState, OutboundMessage, Suppression
from stammkunde.messaging.services.holds import set_contact_hold
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.suppression import suppress_address
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna():
    customer = CustomerFactory(email="anna@example.org")
    with override_settings(
        MESSAGING_GOVERNOR={"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
    ):
        for key, purpose in (("tx", Purpose.TRANSACTIONAL), ("nl", Purpose.NEWSLETTER)):
            queue_message(
                customer=customer,
                to_address=customer.email,
                purpose=purpose,
                idempotency_key=key,
                subject=f"Betreff {key}",
                text="Hallo Anna",
                from_name="Jana",
                from_address="jana@shop.example",
                source_type="test",
                source_id=key,
            )
    set_contact_hold(customer_id=customer.pk, kind=HoldKind.OPEN_CASE, reference="VG-1")
    suppress_address(address=customer.email, reason="unsubscribed_all", source="link")
    return customer


def test_messaging_registers_both_handlers():
    assert "messaging" in export_handlers()
    assert "messaging" in erasure_handlers()


def test_export_holds_messages_decisions_with_reasons_holds_and_suppression(anna):
    data = export_handlers()["messaging"](anna.pk)
    assert [m["subject"] for m in data["messages"]] == ["Betreff tx"]
    reasons = {d["subject"]: d["reason"] for d in data["send_decisions"]}
    assert reasons["Betreff nl"] == "No consent"
    assert data["contact_holds"][0]["reference"] == "VG-1"
    assert data["suppression"][0]["reason"] == "unsubscribed_all"


def test_erasure_cancels_waiting_mail_blanks_text_and_keeps_the_suppression(anna):
    counts = erasure_handlers()["messaging"](ErasureRequest(customer_id=anna.pk, request_id=1))
    assert counts["messages_cancelled"] == 1
    message = OutboundMessage.objects.get(customer=anna)
    assert message.state == MessageState.CANCELLED
    assert (message.to_address, message.subject, message.text_body) == ("", "", "")
    assert not ContactHold.objects.filter(customer=anna).exists()
    assert Suppression.objects.filter(address="anna@example.org").exists()
