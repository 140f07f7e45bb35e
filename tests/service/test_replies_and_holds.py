"""Replies leave through messaging's outbox; open cases and complaints hold back marketing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.core.models import StoredEvent
from stammkunde.messaging.models import ContactHold, OutboundMessage
from stammkunde.service.models import CaseStatus, MessageDirection
from stammkunde.service.services import cases as services
from stammkunde.service.services.cases import CaseError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _open(customer, **fields):
    values = {
        "customer": customer,
        "case_type": "delivery_problem",
        "channel": "email",
        "subject": "Paket nicht angekommen",
        "body": "Bestellung 10234 fehlt.",
        "from_address": "erika@example.de",
        "message_id": "<frage-1@example.de>",
    }
    values.update(fields)
    return services.open_case(**values)


def test_a_reply_is_queued_transactional_threaded_in_the_agents_name(
    staffed, customer, agent, settings
):
    settings.SERVICE_ADDRESS = "service@kaffee.example"
    agent.first_name, agent.last_name = "Anna", "Berger"
    agent.save()
    case = _open(customer)
    message = services.reply(case, by=agent, text="Wir haben beim Versender nachgefragt.")
    outbound = OutboundMessage.objects.get()
    assert outbound.purpose == "transactional"
    assert outbound.to_address == "erika@example.de"
    assert outbound.subject == f"Re: [{case.reference}] Paket nicht angekommen"
    assert outbound.from_name == "Anna Berger"
    assert outbound.from_address == "service@kaffee.example"
    assert outbound.reply_to == "service@kaffee.example"
    assert outbound.in_reply_to == "<frage-1@example.de>"
    assert "<frage-1@example.de>" in outbound.references
    assert outbound.source_type == "case"
    assert message.outbound == outbound
    assert message.message_id == outbound.message_id
    assert message.direction == MessageDirection.OUTBOUND
    case.refresh_from_db()
    assert case.first_response_at is not None
    assert case.status == CaseStatus.WAITING_CUSTOMER
    answered = StoredEvent.objects.get(name="service.CaseAnswered")
    assert answered.payload["first_response"] is True


def test_the_second_reply_answers_the_customers_latest_mail(staffed, customer, agent):
    case = _open(customer)
    first = services.reply(case, by=agent, text="Wir prüfen das.")
    services.add_inbound_message(
        case,
        from_address="erika@example.de",
        text="Danke!",
        message_id="<frage-2@example.de>",
        in_reply_to=first.message_id,
    )
    services.reply(case, by=agent, text="Es ist unterwegs.", status=CaseStatus.SOLVED)
    latest = OutboundMessage.objects.order_by("-id").first()
    assert latest.in_reply_to == "<frage-2@example.de>"
    assert first.message_id in latest.references
    case.refresh_from_db()
    assert case.status == CaseStatus.SOLVED
    answered = StoredEvent.objects.filter(name="service.CaseAnswered").order_by("id")
    assert [event.payload["first_response"] for event in answered] == [True, False]


def test_a_customer_without_an_address_gets_no_mail_but_a_clear_error(staffed, agent):
    customer = CustomerFactory(email=None)
    case = _open(customer, channel="phone", from_address="", message_id="")
    with pytest.raises(CaseError, match="no e-mail address"):
        services.reply(case, by=agent, text="Hallo")
    assert OutboundMessage.objects.count() == 0


def test_an_empty_reply_is_refused(staffed, customer, agent):
    case = _open(customer)
    with pytest.raises(CaseError, match="must not be empty"):
        services.reply(case, by=agent, text="  ")


def test_an_open_case_holds_back_marketing_until_it_is_solved(staffed, customer, agent):
    case = _open(customer)
    hold = ContactHold.objects.get(customer=customer)
    assert (hold.kind, hold.reference, hold.released_at) == ("open_case", case.reference, None)
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert hold.until <= timezone.now()


def test_a_complaint_holds_back_marketing_30_days_after_solving(staffed, customer, agent):
    case = _open(customer, case_type="complaint", subject="Beschwerde", body="Schlechter Service")
    kinds = set(ContactHold.objects.filter(customer=customer).values_list("kind", flat=True))
    assert kinds == {"open_case", "complaint"}
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    complaint = ContactHold.objects.get(customer=customer, kind="complaint")
    assert complaint.released_at is not None
    assert complaint.until - complaint.released_at == timedelta(days=30)


def test_reopening_sets_the_hold_again(staffed, customer, agent):
    case = _open(customer)
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    services.set_status(case, CaseStatus.OPEN, by=agent)
    open_holds = ContactHold.objects.filter(customer=customer, released_at__isnull=True)
    assert open_holds.count() == 1
