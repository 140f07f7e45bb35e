"""A group of mails looks up the cases its mails answer at once, stores its events and updates
its mails' rows at its end, and skips the savepoints its group covers: each mail ends up
exactly as if it had been filed alone, also when it answers a case of the same group and when
a mail of the group fails."""

from __future__ import annotations

import pytest

from stammkunde.core.models import StoredEvent
from stammkunde.customers.models import Customer
from stammkunde.messaging.models import ContactHold, OutboundMessage
from stammkunde.service.intake import filing, lookups, processing
from stammkunde.service.intake.processing import GROUP_SIZE, process_waiting
from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import Case, CaseMessage, InboundMail, InboundState
from tests.service.intake.helpers import customer_mail

pytestmark = pytest.mark.django_db


def _store(**kwargs) -> InboundMail:
    return store_inbound_mail(raw=customer_mail(**kwargs), source="raw").mail


@pytest.fixture
def no_fallback(monkeypatch):
    """Fails the test when a group falls back to filing its mails one by one."""

    def alone(*args, **kwargs):
        raise AssertionError("the group fell back to one mail at a time")

    monkeypatch.setattr(processing, "_process_one", alone)


def test_a_reply_threads_to_a_case_opened_earlier_in_the_same_group(teams, no_fallback):
    first = _store(sender="anna@example.de", message_id="<anna-1@example.de>")
    other = _store(sender="bernd@example.de", subject="Rechnung falsch")
    reply = _store(
        sender="anna@example.de",
        subject="Re: Paket",
        text="Noch nichts da.",
        message_id="<anna-2@example.de>",
        in_reply_to="<anna-1@example.de>",
    )
    # And a reply to that reply, in the same group too.
    again = _store(
        sender="anna@example.de",
        subject="Re: Re: Paket",
        text="Immer noch nichts.",
        in_reply_to="<anna-2@example.de>",
    )
    assert GROUP_SIZE >= 4
    assert process_waiting().processed == 4
    for mail in (first, other, reply, again):
        mail.refresh_from_db()
        assert (mail.state, mail.attempts) == (InboundState.FILED, 1)
    assert reply.outcome["case"] == first.outcome["case"] == again.outcome["case"]
    assert reply.outcome["opened"] is False
    case = Case.objects.get(pk=first.outcome["case"])
    assert case.inbound_count == 3
    assert CaseMessage.objects.filter(case=case).count() == 3
    assert Case.objects.count() == 2


def test_replies_in_one_group_to_a_case_filed_before_count_on_its_current_row(teams, no_fallback):
    first = _store(sender="anna@example.de", message_id="<anna-1@example.de>")
    process_waiting()
    first.refresh_from_db()
    case = Case.objects.get(pk=first.outcome["case"])
    by_header = _store(
        sender="anna@example.de",
        subject="Re: Paket",
        text="Noch nichts da.",
        in_reply_to="<anna-1@example.de>",
    )
    by_reference = _store(
        sender="anna@example.de",
        subject=f"Re: [{case.reference}] Paket",
        text="Und jetzt?",
    )
    unrelated = _store(
        sender="anna@example.de", subject="Neue Frage", text="Etwas anderes.", in_reply_to="<x@y>"
    )
    assert process_waiting().processed == 3
    for mail in (by_header, by_reference, unrelated):
        mail.refresh_from_db()
    assert by_header.outcome["case"] == by_reference.outcome["case"] == case.pk
    assert unrelated.outcome["case"] != case.pk
    case.refresh_from_db()
    # Each reply counted on the row as the one before left it.
    assert case.inbound_count == 3
    assert CaseMessage.objects.filter(case=case).count() == 3


def test_a_reply_to_our_acknowledgement_threads_by_the_outbox(teams, settings, no_fallback):
    settings.INBOUND_ACKNOWLEDGE = True
    first = _store(sender="anna@example.de")
    process_waiting()
    first.refresh_from_db()
    ack = OutboundMessage.objects.get(source_type="case")
    reply = _store(sender="anna@example.de", subject="Re: Eingang", in_reply_to=ack.message_id)
    process_waiting()
    reply.refresh_from_db()
    assert reply.outcome["case"] == first.outcome["case"]
    # An acknowledgement queued in the group itself is found too (the outbox asked again).
    new = _store(sender="bernd@example.de", subject="Frage")
    late = _store(sender="anna@example.de", subject="Re: Eingang", in_reply_to=ack.message_id)
    process_waiting()
    new.refresh_from_db()
    late.refresh_from_db()
    assert new.outcome["acknowledged"] is True
    assert late.outcome["case"] == first.outcome["case"]


def test_a_threaded_auto_reply_names_its_case_from_the_group_look_up(teams, no_fallback):
    first = _store(sender="anna@example.de", message_id="<anna-1@example.de>")
    auto = _store(
        sender="anna@example.de",
        subject="Abwesenheit",
        in_reply_to="<anna-1@example.de>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    process_waiting()
    first.refresh_from_db()
    auto.refresh_from_db()
    assert auto.state == InboundState.AUTOMATIC
    assert auto.outcome["case"] == first.outcome["case"]
    assert auto.customer_id == first.customer_id


def test_a_group_writes_what_each_mail_found_and_one_event_and_hold_per_case(teams, no_fallback):
    mails = [
        _store(sender=f"kunde{n}@example.de", subject=f"Frage {n}", message_id=f"<q{n}@example.de>")
        for n in range(3)
    ]
    process_waiting()
    for n, mail in enumerate(mails):
        mail.refresh_from_db()
        assert (mail.state, mail.attempts, mail.error) == (InboundState.FILED, 1, "")
        assert (mail.message_id, mail.subject) == (f"q{n}@example.de", f"Frage {n}")
        assert mail.from_address == f"kunde{n}@example.de"
        assert mail.processed_at is not None
        assert mail.customer_id == Customer.objects.get(email=f"kunde{n}@example.de").pk
        assert Case.objects.get(pk=mail.outcome["case"]).customer_id == mail.customer_id
    opened = StoredEvent.objects.filter(name="service.CaseOpened")
    assert sorted(event.payload["case_id"] for event in opened) == sorted(
        Case.objects.values_list("pk", flat=True)
    )
    assert {event.origin for event in opened} == {"system"}
    assert ContactHold.objects.count() == 3


def test_a_failure_mid_group_leaves_each_other_mails_rows_events_and_holds_once(teams, monkeypatch):
    real = filing.acknowledge

    def acknowledge(case, **kwargs):
        if "kaputt" in case.subject:
            raise RuntimeError("outbox gone")
        return real(case, **kwargs)

    monkeypatch.setattr(filing, "acknowledge", acknowledge)
    first = _store(sender="anna@example.de", message_id="<anna-1@example.de>")
    bad = _store(sender="bernd@example.de", subject="kaputt")
    reply = _store(
        sender="anna@example.de",
        subject="Re: Paket",
        text="Noch nichts da.",
        in_reply_to="<anna-1@example.de>",
    )
    last = _store(sender="carla@example.de", subject="Frage")
    result = process_waiting()
    assert (result.processed, result.retried) == (3, 1)
    for mail in (first, bad, reply, last):
        mail.refresh_from_db()
    assert [mail.state for mail in (first, reply, last)] == [InboundState.FILED] * 3
    assert [mail.attempts for mail in (first, bad, reply, last)] == [1, 1, 1, 1]
    assert bad.state == InboundState.RECEIVED
    assert reply.outcome["case"] == first.outcome["case"]
    assert last.customer_id == Customer.objects.get(email="carla@example.de").pk
    cases = set(Case.objects.values_list("pk", flat=True))
    assert cases == {first.outcome["case"], last.outcome["case"]}
    opened = StoredEvent.objects.filter(name="service.CaseOpened")
    assert sorted(event.payload["case_id"] for event in opened) == sorted(cases)
    assert ContactHold.objects.count() == 2
    assert not Customer.objects.filter(email="bernd@example.de").exists()


def test_a_sender_conflict_inside_a_group_is_recovered_mail_by_mail(teams, customer, monkeypatch):
    # The group's look-up misses the known sender (as if a parallel worker had just created
    # it): the new customer's insert conflicts without a savepoint of its own, the group is
    # rolled back and the mail filed alone, on the customer that is there.
    monkeypatch.setattr(lookups, "find_by_emails", lambda addresses: {})
    known = _store(sender=customer.email, subject="Frage eins")
    other = _store(sender="neu@example.org", subject="Frage zwei")
    result = process_waiting()
    assert (result.processed, result.retried, result.parked) == (2, 0, 0)
    known.refresh_from_db()
    other.refresh_from_db()
    assert (known.state, known.attempts, known.customer_id) == (
        InboundState.FILED,
        1,
        customer.pk,
    )
    assert known.outcome["new_customer"] is False
    assert Customer.objects.filter(email=customer.email).count() == 1
    assert other.outcome["new_customer"] is True
    assert Case.objects.count() == 2


def test_mails_put_back_after_filing_are_not_filed_twice_in_any_window_of_a_batch(teams):
    from stammkunde.service.intake.processing import WINDOW
    from stammkunde.service.intake.receiving import reprocess_inbound_mail
    from tests.service.intake.helpers import process_all

    mails = [
        _store(sender=f"kunde{n}@example.de", subject=f"Frage {n}")
        for n in range(WINDOW + GROUP_SIZE + 3)
    ]
    process_all()
    # Staff put every one back: each window looks up its own mails' earlier filing.
    for mail in mails:
        mail.refresh_from_db()
        reprocess_inbound_mail(mail, by=None)
    assert process_waiting(limit=len(mails)).claimed == len(mails)
    process_all()
    assert CaseMessage.objects.count() == Case.objects.count() == len(mails)
    states = set(InboundMail.objects.values_list("state", flat=True))
    assert states == {InboundState.FILED}
