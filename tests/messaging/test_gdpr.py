"""Messaging's GDPR handlers: registered, export what is held, erase what identifies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.test import override_settings

from stammkunde.core.gdpr import (
    ErasureRequest,
    erasure_checks,
    erasure_handlers,
    export_handlers,
)
from stammkunde.messaging.governor_terms import HoldKind, Purpose
from stammkunde.messaging.models import ContactHold, MessageState, OutboundMessage, Suppression
from stammkunde.messaging.services.holds import set_contact_hold
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.suppression import suppress_address
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=UTC)


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
    assert "messaging" in erasure_checks()


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


def _sent(customer, key, purpose, source_type, sent_at):
    return OutboundMessage.objects.create(
        idempotency_key=key,
        customer=customer,
        to_address=customer.email,
        purpose=purpose,
        state=MessageState.SENT,
        subject=f"Betreff {key}",
        text_body="Hallo Berta",
        from_address="jana@shop.example",
        message_id=f"<{key}@shop.example>",
        source_type=source_type,
        sent_at=sent_at,
    )


def test_sent_order_mails_are_kept_as_letters_marketing_and_opt_in_mails_are_blanked(db):
    berta = CustomerFactory(email="berta@example.org")
    shipped = _sent(berta, "ship", Purpose.TRANSACTIONAL, "trigger", at(2026, 3, 1))
    old = _sent(berta, "old", Purpose.TRANSACTIONAL, "trigger", at(2019, 3, 1))
    newsletter = _sent(berta, "nl", Purpose.NEWSLETTER, "campaign", at(2026, 3, 1))
    opt_in = _sent(berta, "doi", Purpose.TRANSACTIONAL, "consent", at(2026, 3, 1))
    today = date(2026, 12, 3)

    duties = erasure_checks()["messaging"](berta.pk, today).duties
    assert [(d.what, d.years, d.count, d.until) for d in duties] == [
        ("letters", 6, 1, date(2032, 12, 31))
    ]
    request = ErasureRequest(customer_id=berta.pk, request_id=1, keep=duties, today=today)
    counts = erasure_handlers()["messaging"](request)

    assert counts["letters_kept"] == 1
    shipped.refresh_from_db()
    assert (shipped.to_address, shipped.subject) == ("berta@example.org", "Betreff ship")
    for message in (old, newsletter, opt_in):
        message.refresh_from_db()
        assert (message.to_address, message.subject, message.text_body) == ("", "", "")


def test_a_kept_letter_is_blanked_once_its_period_has_ended(db):
    berta = CustomerFactory(email="berta@example.org")
    shipped = _sent(berta, "ship", Purpose.TRANSACTIONAL, "trigger", at(2026, 3, 1))
    last_day = date(2032, 12, 31)
    duties = erasure_checks()["messaging"](berta.pk, last_day).duties
    erasure_handlers()["messaging"](
        ErasureRequest(customer_id=berta.pk, request_id=1, keep=duties, today=last_day)
    )
    shipped.refresh_from_db()
    assert shipped.subject == "Betreff ship"

    after = date(2033, 1, 1)
    assert erasure_checks()["messaging"](berta.pk, after).duties == ()
    erasure_handlers()["messaging"](
        ErasureRequest(customer_id=berta.pk, request_id=1, keep=(), today=after)
    )
    shipped.refresh_from_db()
    assert (shipped.to_address, shipped.subject) == ("", "")
