"""The worker hands the outbox to a real SMTP server (aiosmtpd); the tests read what arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage, Suppression
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.sending import drain
from stammkunde.messaging.services.transitions import UncertainError, resolve_uncertain
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def queue(customer, key, purpose=Purpose.TRANSACTIONAL, **extra):
    values = {
        "customer": customer,
        "to_address": customer.email,
        "purpose": purpose,
        "idempotency_key": key,
        "subject": f"Ihr Paket ist unterwegs ({key})",
        "text": "Hallo Anna,\n\nIhr Paket ist unterwegs.\n\nViele Grüße\nJana",
        "html": "<html><body><p>Hallo Anna,</p><p>Ihr Paket ist unterwegs.</p></body></html>",
        "from_name": "Jana Berger",
        "from_address": "jana@shop.example",
        "reply_to": "service@shop.example",
        "source_type": "test",
        "source_id": key,
    }
    values.update(extra)
    return queue_message(**values).message


def newsletter_reader(email="anna@example.org"):
    anna = CustomerFactory(email=email, first_name="Anna", language="de")
    record_consent(
        anna,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=True,
        source=ConsentSource.CUSTOMER,
    )
    return anna


def test_delivered_bytes_carry_the_stored_message_id_and_both_parts(smtp_server):
    anna = CustomerFactory(email="anna@example.org", first_name="Anna")
    message = queue(anna, "tx-1", in_reply_to="<case-1@shop.example>", references=["<a@b>"])
    result = drain()
    assert result.sent == 1
    (delivered,) = smtp_server.wait_for(1)
    mail = delivered.parsed
    assert delivered.rcpt_tos == ["anna@example.org"]
    assert mail["Message-ID"] == message.message_id
    assert mail["From"] == "Jana Berger <jana@shop.example>"
    assert mail["Reply-To"] == "service@shop.example"
    assert mail["In-Reply-To"] == "<case-1@shop.example>"
    assert mail["References"] == "<a@b>"
    assert mail.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "Ihr Paket ist unterwegs." in mail.get_body(("plain",)).get_content()
    # Transactional mail has no unsubscribe header.
    assert mail["List-Unsubscribe"] is None
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.sent_at is not None
    assert message.attempts == 1
    assert Activity.objects.filter(customer=anna, kind="message_sent").count() == 1


def test_newsletter_carries_one_click_unsubscribe_and_a_visible_link(smtp_server):
    anna = newsletter_reader()
    queue(anna, "nl-1", Purpose.NEWSLETTER)
    drain()
    mail = smtp_server.wait_for(1)[0].parsed
    header = str(mail["List-Unsubscribe"]).strip()
    assert header.startswith("<https://crm.shop.example/m/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header.strip("<>")
    assert link in mail.get_body(("plain",)).get_content()
    assert f'href="{link}"' in mail.get_body(("html",)).get_content()
    assert "Abmelden" in mail.get_body(("html",)).get_content()


@pytest.mark.parametrize("connections", [1, 3])
def test_each_connection_carries_many_messages(smtp_server, connections):
    customers = [CustomerFactory(email=f"k{n}@example.org") for n in range(12)]
    for n, customer in enumerate(customers):
        queue(customer, f"tx-{n}")
    assert drain(connection_count=connections).sent == 12
    delivered = smtp_server.wait_for(12)
    assert 1 <= len(smtp_server.handler.sessions) <= connections
    assert sorted(item.rcpt_tos[0] for item in delivered) == sorted(c.email for c in customers)
    assert OutboundMessage.objects.filter(state=MessageState.SENT).count() == 12


def test_connection_dropped_mid_data_is_retried_and_delivered_once(smtp_server):
    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "drop")
    smtp_server.handler.behaviour.drop_mid_data = 1
    result = drain()
    assert result.retrying == 1
    message.refresh_from_db()
    assert message.state == MessageState.RETRYING
    assert "connection" in message.error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert smtp_server.delivered == []
    # The backoff has passed.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert drain().sent == 1
    delivered = smtp_server.wait_for(1)
    assert len(delivered) == 1
    assert delivered[0].parsed["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.attempts == 2


def test_a_connection_dropped_among_several_is_retried_and_nothing_doubled(smtp_server):
    from collections import Counter

    customers = [CustomerFactory(email=f"k{n}@example.org") for n in range(9)]
    messages = [queue(customer, f"several-{n}") for n, customer in enumerate(customers)]
    # The first DATA on whichever connection gets it is cut off; the others go on.
    smtp_server.handler.behaviour.drop_mid_data = 1
    result = drain(connection_count=3)
    assert (result.sent, result.retrying) == (8, 1)
    (dropped,) = OutboundMessage.objects.filter(state=MessageState.RETRYING)
    assert dropped.message_id not in {item.parsed["Message-ID"] for item in smtp_server.delivered}
    # The backoff has passed.
    OutboundMessage.objects.filter(pk=dropped.pk).update(next_attempt_at=timezone.now())
    assert drain(connection_count=3).sent == 1
    received = Counter(item.parsed["Message-ID"] for item in smtp_server.wait_for(9))
    assert received == Counter(message.message_id for message in messages)
    assert OutboundMessage.objects.filter(state=MessageState.SENT).count() == 9
    dropped.refresh_from_db()
    assert dropped.attempts == 2


def test_refused_recipient_fails_visibly_and_is_suppressed(smtp_server):
    ghost = CustomerFactory(email="ghost@example.org")
    smtp_server.handler.behaviour.rcpt_replies["ghost@example.org"] = "550 5.1.1 No such user"
    message = queue(ghost, "ghost")
    assert drain().failed == 1
    message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert "550" in message.error
    assert Suppression.objects.get(address="ghost@example.org").reason == "hard_bounce"
    entry = Activity.objects.get(customer=ghost, kind="message_failed")
    assert "550" in entry.params["error"]


def test_temporary_refusal_waits_with_backoff(smtp_server):
    busy = CustomerFactory(email="busy@example.org")
    smtp_server.handler.behaviour.rcpt_replies["busy@example.org"] = "451 4.3.0 Try later"
    message = queue(busy, "busy")
    assert drain().retrying == 1
    message.refresh_from_db()
    assert message.state == MessageState.RETRYING
    first_wait = message.next_attempt_at
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    drain()
    message.refresh_from_db()
    assert message.attempts == 2
    # The second wait is longer than the first (1 then 2 minutes).
    assert message.next_attempt_at - timezone.now() > timedelta(seconds=100)
    assert first_wait - message.created_at < timedelta(seconds=70)


def test_a_message_left_sending_becomes_uncertain_and_is_never_resent_by_itself(
    smtp_server, admin_user
):
    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "lost")
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=MessageState.SENDING,
        claimed_by="dead-worker",
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    result = drain()
    assert result.uncertain == 1 and result.sent == 0
    message.refresh_from_db()
    assert message.state == MessageState.UNCERTAIN
    drain()
    assert smtp_server.delivered == []
    # Staff decide: send it again (same Message-ID).
    resolve_uncertain(message.pk, action="resend", by=admin_user)
    assert drain().sent == 1
    assert smtp_server.wait_for(1)[0].parsed["Message-ID"] == message.message_id
    with pytest.raises(UncertainError):
        resolve_uncertain(message.pk, action="resend", by=admin_user)


def test_marking_an_uncertain_message_sent_is_audited(smtp_server, admin_user):
    from stammkunde.audit.models import AuditEntry

    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "maybe")
    OutboundMessage.objects.filter(pk=message.pk).update(state=MessageState.UNCERTAIN)
    resolve_uncertain(message.pk, action="mark_sent", by=admin_user)
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.resolved_by == admin_user
    assert AuditEntry.objects.filter(
        detail="uncertain message: mark_sent", object_id=str(message.pk)
    ).exists()
    drain()
    assert smtp_server.delivered == []


def test_an_address_suppressed_after_queueing_gets_no_newsletter(smtp_server):
    from stammkunde.messaging.services.suppression import suppress_address

    anna = newsletter_reader()
    message = queue(anna, "nl-late", Purpose.NEWSLETTER)
    suppress_address(address="anna@example.org", reason="unsubscribed_all", source="test")
    assert drain().cancelled == 1
    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED
    assert smtp_server.delivered == []
    assert Activity.objects.filter(customer=anna, kind="message_held_back").count() == 1
    # Staff read why in their language, not the worker's stored English.
    with translation.override("de"):
        assert message.error_message.startswith("Vor dem Versand zurückgehalten")


def test_consent_withdrawn_after_queueing_stops_the_newsletter(smtp_server):
    anna = newsletter_reader()
    ben = newsletter_reader("ben@example.org")
    withdrawn = queue(anna, "nl-withdrawn", Purpose.NEWSLETTER)
    kept = queue(ben, "nl-kept", Purpose.NEWSLETTER)
    record_consent(
        anna,
        channel=ConsentChannel.EMAIL,
        purpose="newsletter",
        granted=False,
        source=ConsentSource.CUSTOMER,
    )
    result = drain()
    assert (result.sent, result.cancelled) == (1, 1)
    withdrawn.refresh_from_db()
    kept.refresh_from_db()
    assert withdrawn.state == MessageState.CANCELLED
    assert kept.state == MessageState.SENT
    assert [item.rcpt_tos for item in smtp_server.wait_for(1)] == [["ben@example.org"]]


def test_processing_restricted_after_queueing_stops_the_newsletter(smtp_server, admin_user):
    from stammkunde.customers.privacy.restriction import restrict_processing

    anna = newsletter_reader()
    message = queue(anna, "nl-restricted", Purpose.NEWSLETTER)
    restrict_processing(anna.pk, by=admin_user, reason="Widerspruch geprüft")
    assert drain().cancelled == 1
    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED
    assert smtp_server.delivered == []


def test_a_transactional_mail_to_a_customer_erased_since_queueing_is_not_sent(smtp_server):
    from stammkunde.customers.models import Customer, CustomerStatus

    anna = CustomerFactory(email="anna@example.org")
    message = queue(anna, "erased-meanwhile")
    # The erasure's own handler cancels what is queued; this is the erasure that lands between
    # that and the worker's batch (a row state, as the erasure leaves it).
    Customer.objects.filter(pk=anna.pk).update(status=CustomerStatus.ERASED)
    assert drain().cancelled == 1
    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED
    assert smtp_server.delivered == []


@pytest.mark.parametrize("connections", [1, 3])
def test_per_domain_rate_limit_puts_the_rest_back(smtp_server, settings, connections):
    settings.MESSAGING_DOMAIN_LIMITS = {"slow.example": 2}
    for n in range(6):
        queue(CustomerFactory(email=f"k{n}@slow.example"), f"slow-{n}")
    queue(CustomerFactory(email="fast@example.org"), "fast")
    # Messages in flight on the other connections count against the limit too.
    assert drain(connection_count=connections).sent == 3
    assert len(smtp_server.wait_for(3)) == 3
    waiting = OutboundMessage.objects.filter(state=MessageState.QUEUED)
    assert waiting.count() == 4
    assert all(m.next_attempt_at > timezone.now() + timedelta(seconds=30) for m in waiting)
