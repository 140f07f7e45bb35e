"""A group of mails is worked in one savepoint; when one of them fails the group is rolled
back and worked again mail by mail: the failing mail is charged alone, the others are filed
once, with one timeline entry and one audit row each."""

from __future__ import annotations

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.models import Customer
from stammkunde.service.intake import filing
from stammkunde.service.intake.decisions import Unfileable
from stammkunde.service.intake.processing import process_waiting
from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import Case, CaseMessage, InboundMail, InboundState
from stammkunde.timeline.models import Activity, ActivityKind
from tests.service.intake.helpers import customer_mail

pytestmark = pytest.mark.django_db


def _failing_acknowledgement(monkeypatch, error: Exception) -> None:
    """The acknowledgement (after the case, its message and its rows were written) fails for
    the case about "kaputt", so that the group has written something to roll back."""
    real = filing.acknowledge

    def acknowledge(case, **kwargs):
        if "kaputt" in case.subject:
            raise error
        return real(case, **kwargs)

    monkeypatch.setattr(filing, "acknowledge", acknowledge)


def _store(**kwargs) -> InboundMail:
    return store_inbound_mail(raw=customer_mail(**kwargs), source="raw").mail


def test_a_failing_mail_in_a_group_is_charged_alone_and_the_others_filed_once(teams, monkeypatch):
    _failing_acknowledgement(monkeypatch, RuntimeError("outbox gone"))
    first = _store(sender="anna@example.de", message_id="<anna-1@example.de>")
    bad = _store(sender="bernd@example.de", subject="kaputt", message_id="<bernd@example.de>")
    # A reply in the same group to the case the first mail opens.
    reply = _store(
        sender="anna@example.de",
        subject="Re: Paket",
        text="Noch nichts da.",
        message_id="<anna-2@example.de>",
        in_reply_to="<anna-1@example.de>",
    )
    result = process_waiting()
    assert (result.claimed, result.processed, result.retried) == (3, 2, 1)
    for mail in (first, bad, reply):
        mail.refresh_from_db()
    assert (first.state, first.attempts) == (InboundState.FILED, 1)
    assert (reply.state, reply.attempts) == (InboundState.FILED, 1)
    assert reply.outcome["case"] == first.outcome["case"]
    assert (bad.state, bad.attempts) == (InboundState.RECEIVED, 1)
    assert "outbox gone" in bad.error
    # Nothing of the failed mail is left, and nothing of the others doubled.
    case = Case.objects.get()
    assert not Customer.objects.filter(email="bernd@example.de").exists()
    assert CaseMessage.objects.filter(case=case).count() == 2
    kinds = list(
        Activity.objects.filter(subject_type="service.case", subject_id=case.pk).values_list(
            "kind", flat=True
        )
    )
    assert sorted(kinds) == sorted([ActivityKind.CASE_OPENED, ActivityKind.EMAIL_IN])
    assert AuditEntry.objects.filter(object_type="service.case").count() == 1
    # The reply's message (the first message of a case is in the case's own row).
    assert AuditEntry.objects.filter(object_type="service.casemessage").count() == 1
    assert AuditEntry.objects.filter(actor_label="system", object_id=str(case.pk)).exists()


def test_an_unfileable_mail_in_a_group_is_parked_with_its_reason(teams, monkeypatch):
    _failing_acknowledgement(monkeypatch, Unfileable("no case for this"))
    good = _store(sender="anna@example.de")
    bad = _store(sender="bernd@example.de", subject="kaputt")
    result = process_waiting()
    assert (result.processed, result.parked) == (1, 1)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == InboundState.FILED
    assert (bad.state, bad.error) == (InboundState.FAILED, "no case for this")
    assert Case.objects.count() == 1


def test_the_systems_rows_are_held_until_the_flush_and_dropped_without_it(customer):
    from stammkunde.audit.models import AuditAction
    from stammkunde.audit.services import audit
    from stammkunde.service.services import batch_records
    from stammkunde.timeline.services import record_activity

    def write(label: str) -> None:
        record_activity(
            customer_id=customer.pk,
            kind=ActivityKind.CUSTOMER_CREATED,
            params={"source": "inbound_mail"},
            actor_label=label,
        )
        audit(actor=None, action=AuditAction.CREATE, obj=customer, detail=label)

    before = (Activity.objects.count(), AuditEntry.objects.count())
    with batch_records.buffered():
        write("held")
        assert (Activity.objects.count(), AuditEntry.objects.count()) == before
        batch_records.flush()
    assert Activity.objects.filter(actor_label="held").count() == 1
    assert AuditEntry.objects.filter(detail="held", actor_label="system").count() == 1
    with batch_records.buffered():
        write("dropped")  # never flushed: as if its savepoint had been rolled back
    assert not Activity.objects.filter(actor_label="dropped").exists()
    assert not AuditEntry.objects.filter(detail="dropped").exists()
    write("direct")  # outside the block: written at once
    assert Activity.objects.filter(actor_label="direct").count() == 1
    assert AuditEntry.objects.filter(detail="direct").count() == 1


def test_two_new_matters_from_one_unknown_sender_in_a_group_make_one_customer(teams, customer):
    from stammkunde.service.intake.processing import GROUP_SIZE

    first = _store(sender="neu@example.org", subject="Frage eins")
    second = _store(sender="NEU@example.org", subject="Frage zwei")
    known = _store(sender=customer.email, subject="Frage drei")
    assert GROUP_SIZE >= 3  # one group: the second finds the customer the first created
    process_waiting()
    for mail in (first, second, known):
        mail.refresh_from_db()
    assert first.outcome["new_customer"] is True
    assert second.outcome["new_customer"] is False
    assert first.customer_id == second.customer_id
    assert Customer.objects.filter(email="neu@example.org").count() == 1
    assert (known.customer_id, known.outcome["new_customer"]) == (customer.pk, False)
    assert Case.objects.count() == 3
