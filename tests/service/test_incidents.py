"""Incidents: affected orders chosen once, one personal message per customer via the outbox."""

from __future__ import annotations

from datetime import time

import pytest

from stammkunde.messaging.models import OutboundMessage, SendDecision
from stammkunde.service.models import AffectedOrder
from stammkunde.service.services.crisis import (
    CrisisError,
    add_affected_orders,
    notify_affected,
    open_incident,
    order_numbers,
)
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

SUBJECT = "Ihre Bestellung {{ order.number }} verspätet sich"
BODY = "{{ salutation }},\nIhre Bestellung {{ order.number }} kommt zwei Tage später."


def test_order_numbers_are_read_from_a_pasted_list():
    assert order_numbers("10234, #10235;10236\n 10234 ") == ["10234", "10235", "10236"]


def test_each_affected_customer_gets_one_personal_service_message(lena, settings):
    settings.MESSAGING_GOVERNOR = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
    first = CustomerFactory(first_name="Tom", form_of_address="informal", email="tom@example.de")
    second = CustomerFactory(last_name="Meier", salutation="ms", email="meier@example.de")
    OrderFactory(number="10234", customer=first)
    OrderFactory(number="10235", customer=second)
    incident = open_incident(
        title="Charge 12", incident_type="late_delivery", description="", by=lena
    )
    added, unknown = add_affected_orders(incident, numbers=["10234", "10235", "4711"], by=lena)
    assert (added, unknown) == (2, ["4711"])
    assert add_affected_orders(incident, numbers=["10234"], by=lena) == (0, [])
    counts = notify_affected(incident, subject=SUBJECT, body=BODY, by=lena)
    assert counts["queued"] + counts["held"] == 2
    messages = {message.to_address: message for message in OutboundMessage.objects.all()}
    assert SendDecision.objects.filter(source_type="incident").count() == 2
    tom = messages.get("tom@example.de")
    assert tom is not None, counts
    assert tom.purpose == "transactional"
    assert tom.subject == "Ihre Bestellung 10234 verspätet sich"
    assert tom.text_body.startswith("Hallo Tom,")
    assert "Sehr geehrte Frau Meier," in messages["meier@example.de"].text_body
    notify_affected(incident, subject=SUBJECT, body=BODY, by=lena)
    assert OutboundMessage.objects.count() == 2
    assert AffectedOrder.objects.filter(notified_at__isnull=False).count() == 2


def test_message_with_unknown_variable_is_refused_before_sending(lena):
    incident = open_incident(title="X", incident_type="out_of_stock", description="", by=lena)
    with pytest.raises(CrisisError) as refused:
        notify_affected(incident, subject="Hallo", body="{{ ordr.number }}", by=lena)
    assert refused.value.problems


def test_agent_cannot_open_incidents(anna):
    with pytest.raises(CrisisError):
        open_incident(title="X", incident_type="out_of_stock", description="", by=anna)


def test_a_customer_with_several_affected_orders_gets_one_message_naming_them(lena, settings):
    """One message per affected order sent a customer with two late orders two mails."""
    settings.MESSAGING_GOVERNOR = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}
    tom = CustomerFactory(first_name="Tom", form_of_address="informal", email="tom@example.de")
    OrderFactory(number="10234", customer=tom)
    OrderFactory(number="10236", customer=tom)
    incident = open_incident(
        title="Charge 12", incident_type="late_delivery", description="", by=lena
    )
    add_affected_orders(incident, numbers=["10234", "10236"], by=lena)
    counts = notify_affected(incident, subject=SUBJECT, body=BODY, by=lena)
    assert counts == {"queued": 1, "held": 0, "failed": 0}
    [message] = OutboundMessage.objects.all()
    assert message.subject == "Ihre Bestellung 10234, 10236 verspätet sich"
    assert SendDecision.objects.filter(source_type="incident").count() == 1
    assert AffectedOrder.objects.filter(notified_at__isnull=True).count() == 0
    # An order of Tom's added later: he was told about this incident already.
    OrderFactory(number="10240", customer=tom)
    add_affected_orders(incident, numbers=["10240"], by=lena)
    assert notify_affected(incident, subject=SUBJECT, body=BODY, by=lena)["queued"] == 0
    assert OutboundMessage.objects.count() == 1
    assert AffectedOrder.objects.filter(notified_at__isnull=True).count() == 0
