"""The Drehbuch at work: events schedule runs (never from history, never twice), due runs
render the mail from plain data and hand it to the outbox; conditions and switching on."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from stammkunde.core.event_delivery import dispatch_waiting
from stammkunde.core.origin import Origin, event_origin
from stammkunde.messaging.models import (
    MessageTemplate,
    OutboundMessage,
    RunState,
    SendDecision,
    Trigger,
    TriggerRun,
)
from stammkunde.messaging.services.triggers import (
    TriggerError,
    fire_due_runs,
    save_trigger,
    schedule_birthdays,
    switch_trigger,
)
from stammkunde.shop.services import record_shipment
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture(autouse=True)
def no_quiet_hours():
    with override_settings(MESSAGING_GOVERNOR=NO_QUIET_HOURS, MAIL_DOMAIN="mail.shop.example"):
        yield


@pytest.fixture
def shipped_trigger():
    trigger = Trigger.objects.get(key="default:order_shipped")
    trigger.sender_name = "Lena Vogel"
    trigger.sender_address = "lena.vogel@kaffee.example"
    trigger.save()
    return switch_trigger(trigger, on=True, by=None)


def ship(order, origin=Origin.WEBHOOK, **extra):
    with event_origin(origin):
        shipment = record_shipment(
            order,
            shipped_at=timezone.now(),
            carrier="DHL",
            tracking_number="00340434",
            tracking_url="https://www.dhl.de/track?piececode=00340434",
            **extra,
        )
    dispatch_waiting()
    return shipment


def customer_with_order(**customer):
    values = {"first_name": "Anna", "last_name": "Müller", "salutation": "ms", "language": "de"}
    anna = CustomerFactory(**{**values, **customer})
    order = OrderFactory(customer=anna, number="10234", total=Decimal("49.90"))
    OrderLineFactory(order=order, name="Äthiopien Sidamo, 500 g", line_number=1)
    return anna, order


def test_a_shipped_order_sends_the_personal_mail_through_the_outbox(shipped_trigger):
    anna, order = customer_with_order()
    ship(order)
    run = TriggerRun.objects.get(trigger=shipped_trigger)
    assert run.state == RunState.WAITING and run.customer == anna
    assert fire_due_runs() == 1
    run.refresh_from_db()
    assert run.state == RunState.QUEUED
    message = OutboundMessage.objects.get(idempotency_key=run.idempotency_key)
    assert message.to_address == anna.email
    assert message.subject == "Ihr Paket ist unterwegs (Bestellung 10234)"
    assert message.text_body.startswith("Sehr geehrte Frau Müller,\n")
    assert "https://www.dhl.de/track?piececode=00340434" in message.text_body
    assert "Äthiopien Sidamo, 500 g" in message.text_body
    assert message.from_name == "Lena Vogel"
    assert message.source_type == "trigger" and message.source_id == str(shipped_trigger.pk)
    assert 'href="https://www.dhl.de/track?piececode=00340434"' in message.html_body
    assert run.decision == SendDecision.objects.get(idempotency_key=run.idempotency_key)


def test_an_english_customer_gets_the_english_mail(shipped_trigger):
    _kim, order = customer_with_order(
        first_name="Kim", last_name="Lee", salutation="", language="en"
    )
    ship(order)
    fire_due_runs()
    message = OutboundMessage.objects.get()
    assert message.subject == "Your parcel is on its way (order 10234)"
    assert message.text_body.startswith("Hello Kim Lee,\n")


@pytest.mark.parametrize("origin", [Origin.BACKFILL, Origin.IMPORT, Origin.DEMO])
def test_history_never_starts_a_mail(shipped_trigger, origin):
    _anna, order = customer_with_order()
    ship(order, origin=origin)
    assert not TriggerRun.objects.exists()


def test_a_second_delivery_of_the_event_finds_the_first_run(shipped_trigger):
    from stammkunde.core.event_delivery import redeliver
    from stammkunde.core.models import EventDelivery

    _anna, order = customer_with_order()
    ship(order)
    fire_due_runs()
    delivery = EventDelivery.objects.get(subscriber="messaging.drehbuch:shop.OrderShipped")
    redeliver(delivery)
    dispatch_waiting()
    from stammkunde.core.event_delivery import retry_waiting

    retry_waiting(now=timezone.now() + timedelta(minutes=5))
    fire_due_runs()
    assert TriggerRun.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_a_switched_off_trigger_schedules_nothing():
    _anna, order = customer_with_order()
    ship(order)
    assert not TriggerRun.objects.exists()


def test_a_delay_waits_and_conditions_are_checked_when_due(shipped_trigger):
    save_trigger(
        shipped_trigger,
        by=None,
        delay=timedelta(hours=2),
        conditions={"min_order_value": "100"},
    )
    _anna, order = customer_with_order()
    ship(order)
    assert fire_due_runs() == 0
    assert fire_due_runs(now=timezone.now() + timedelta(hours=2, minutes=1)) == 1
    run = TriggerRun.objects.get()
    assert run.state == RunState.SKIPPED
    assert run.reason == "condition:min_order_value"
    assert not OutboundMessage.objects.exists()


def test_a_customer_without_address_is_held_back_with_the_reason(shipped_trigger):
    _anna, order = customer_with_order(email=None)
    ship(order)
    fire_due_runs()
    run = TriggerRun.objects.get()
    assert run.state == RunState.QUEUED
    assert run.decision.outcome == "suppress" and run.decision.rule == "no_address"
    assert not OutboundMessage.objects.exists()


def test_a_run_that_comes_due_days_late_is_skipped(shipped_trigger):
    _anna, order = customer_with_order()
    ship(order)
    fire_due_runs(now=timezone.now() + timedelta(days=3))
    assert TriggerRun.objects.get().reason == "too_late"


def test_a_mail_with_a_blocking_finding_cannot_be_switched_on():
    trigger = Trigger.objects.get(key="default:order_shipped")
    template = trigger.template_de
    MessageTemplate.objects.filter(pk=template.pk).update(
        text_body="Sehr geehrte Damen und Herren,\n\nIhr Paket ist unterwegs.\n\n"
        "Dies ist eine automatisch generierte E-Mail."
    )
    trigger.refresh_from_db()
    with pytest.raises(TriggerError) as error:
        switch_trigger(trigger, on=True, by=None)
    codes = {finding.code for _language, finding in error.value.findings}
    assert {"generic_salutation", "machine_phrase", "no_named_signature"} <= codes
    trigger.refresh_from_db()
    assert trigger.is_active is False


def test_a_no_reply_sender_cannot_be_switched_on():
    trigger = Trigger.objects.get(key="default:order_shipped")
    trigger.sender_address = "noreply@kaffee.example"
    trigger.save()
    with pytest.raises(TriggerError):
        switch_trigger(trigger, on=True, by=None)


def test_birthday_runs_once_per_day_and_customer():
    trigger = Trigger.objects.get(key="default:birthday")
    switch_trigger(trigger, on=True, by=None)
    today = timezone.localdate()
    CustomerFactory(birthday=today.replace(year=1980))
    CustomerFactory(birthday=(today + timedelta(days=1)).replace(year=1980))
    assert schedule_birthdays(today) == 1
    assert schedule_birthdays(today) == 0


def _case_opened_type():
    """The service desk's event, as it publishes it (defined here if the desk has not)."""
    from dataclasses import dataclass

    from stammkunde.core.events import DomainEvent, event_type_named

    known = event_type_named("service.CaseOpened")
    if known is not None:
        return known
    namespace = {
        "__module__": "stammkunde.service.events",
        "__annotations__": {
            "case_id": int,
            "customer_id": int,
            "reference": str,
            "subject": str,
            "assignee_name": str,
            "assignee_email": str,
        },
        "assignee_name": "",
        "assignee_email": "",
    }
    return dataclass(frozen=True, kw_only=True)(type("CaseOpened", (DomainEvent,), namespace))


def test_a_case_event_of_the_service_desk_is_received_by_its_name():
    from stammkunde.core.events import publish

    trigger = Trigger.objects.get(key="default:case_opened")
    switch_trigger(trigger, on=True, by=None)
    anna = CustomerFactory(first_name="Anna", last_name="Müller", salutation="ms")
    case_opened = _case_opened_type()
    with event_origin(Origin.WEBHOOK):
        publish(
            case_opened(
                occurred_at=timezone.now(),
                case_id=7,
                customer_id=anna.pk,
                reference="VG-10234",
                subject="Paket nicht angekommen",
                assignee_name="Jonas Kraft",
                assignee_email="jonas.kraft@kaffee.example",
            )
        )
    dispatch_waiting()
    fire_due_runs()
    message = OutboundMessage.objects.get()
    assert message.subject == "Ihr Anliegen VG-10234: Paket nicht angekommen"
    # A case mail comes from the person who owns the case.
    assert message.from_name == "Jonas Kraft"
    assert message.from_address == "jonas.kraft@kaffee.example"
    assert "Jonas Kraft" in message.text_body.strip().splitlines()[-2:]


def test_a_customers_runs_are_exported_and_erased(shipped_trigger):
    from stammkunde.messaging.drehbuch_gdpr import erase_trigger_runs, export_trigger_runs

    anna, order = customer_with_order()
    ship(order)
    (exported,) = export_trigger_runs(anna.pk)
    assert exported["event"] == "order_shipped" and exported["facts"]["order_id"] == order.pk
    assert erase_trigger_runs(anna.pk) == {"trigger_runs_skipped": 1, "trigger_runs_blanked": 1}
    run = TriggerRun.objects.get()
    assert run.state == RunState.SKIPPED and run.facts == {}
    assert fire_due_runs() == 0


def test_messagings_gdpr_handlers_include_the_trigger_runs(shipped_trigger):
    from stammkunde.core.gdpr import export_handlers

    anna, order = customer_with_order()
    ship(order)
    exported = export_handlers()["messaging"](anna.pk)
    assert [run["event"] for run in exported["trigger_runs"]] == ["order_shipped"]
    assert TriggerRun.objects.filter(customer=anna).exists()
