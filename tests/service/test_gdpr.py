"""The service desk's GDPR handlers are registered and do what they say."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils.timezone import now

from stammkunde.core.gdpr import ErasureRequest, erasure_checks, erasure_handlers, export_handlers
from stammkunde.service.models import Case, CaseMessage, CaseStatus
from stammkunde.service.services import cases as services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _open(customer, subject="Paket fehlt"):
    return services.open_case(
        customer=customer,
        case_type="delivery_problem",
        channel="email",
        subject=subject,
        body="Wo ist mein Paket?",
        from_address=customer.email,
    )


def test_the_handlers_are_registered():
    assert "service" in export_handlers()
    assert "service" in erasure_handlers()
    assert "service" in erasure_checks()


def test_the_export_holds_cases_and_their_thread(staffed, customer, order, agent):
    case = _open(customer)
    case.orders.add(order)
    services.add_note(case, by=agent, text="Versender angefragt")
    exported = export_handlers()["service"](customer.pk)
    assert [entry["reference"] for entry in exported["cases"]] == [case.reference]
    assert exported["cases"][0]["orders"] == ["10234"]
    texts = [message["text"] for message in exported["cases"][0]["messages"]]
    assert texts == ["Wo ist mein Paket?", "Versender angefragt"]


def test_an_open_case_defers_erasure_and_a_solved_one_is_erased(staffed, customer, agent):
    case = _open(customer)
    other = _open(CustomerFactory(), "Fremder Vorgang")
    check = erasure_checks()["service"](customer.pk, date.today())
    assert [obstacle.params["case"] for obstacle in check.obstacles] == [case.reference]
    services.set_status(case, CaseStatus.SOLVED, by=agent)
    assert erasure_checks()["service"](customer.pk, date.today()).obstacles == ()
    counts = erasure_handlers()["service"](ErasureRequest(customer_id=customer.pk, request_id=1))
    assert (counts["cases"], counts["messages"]) == (1, 1)
    assert not Case.objects.filter(customer=customer).exists()
    assert CaseMessage.objects.filter(case=other).count() == 1


def _written(case, direction, when, text):
    return CaseMessage.objects.create(
        case=case, direction=direction, body_text=text, created_at=when, from_address="x@y.de"
    )


def test_erasure_keeps_the_letters_for_six_years_and_the_daily_job_erases_them(
    staffed, customer, agent
):
    from stammkunde.customers.models import PrivacyRequestState
    from stammkunde.customers.privacy.erasure import request_erasure
    from stammkunde.customers.privacy.housekeeping import finish_expired_restrictions

    recent = _open(customer)
    CaseMessage.objects.filter(case=recent).update(created_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    _written(recent, "outbound", datetime(2026, 3, 2, 9, tzinfo=UTC), "Wir senden neu")
    _written(recent, "note", datetime(2026, 3, 2, 8, tzinfo=UTC), "Kunde klang verärgert")
    old = _open(customer, "Alte Frage")
    CaseMessage.objects.filter(case=old).update(created_at=datetime(2019, 6, 1, 10, tzinfo=UTC))
    for case in (recent, old):
        services.set_status(case, CaseStatus.SOLVED, by=agent)

    record = request_erasure(customer.pk, by=agent, today=date(2026, 12, 3))

    assert record.state == PrivacyRequestState.RESTRICTED
    assert record.restricted_until == date(2032, 12, 31)
    service_duty = next(duty for duty in record.duties if duty["app_label"] == "service")
    assert (service_duty["what"], service_duty["years"], service_duty["count"]) == (
        "letters",
        6,
        2,
    )
    assert service_duty["until"] == "2032-12-31"
    # The 2019 letter's period ended on 31 December 2025: its case went whole.
    assert list(Case.objects.filter(customer=customer)) == [recent]
    # The kept case is marked restricted until its last letter's period ends.
    recent.refresh_from_db()
    assert recent.restricted_until == date(2032, 12, 31)
    assert sorted(CaseMessage.objects.filter(case=recent).values_list("body_text", flat=True)) == [
        "Wir senden neu",
        "Wo ist mein Paket?",
    ]

    assert finish_expired_restrictions(today=date(2032, 12, 31)) == 0
    assert CaseMessage.objects.filter(case=recent).count() == 2
    assert finish_expired_restrictions(today=date(2033, 1, 1)) == 1
    assert not Case.objects.filter(customer=customer).exists()
    record.refresh_from_db()
    assert record.state == PrivacyRequestState.DONE


def test_a_kept_letters_original_mail_stays_and_other_mails_are_erased(customer):
    from stammkunde.service.models import InboundMail

    case = Case.objects.create(
        customer=customer, case_type="question", channel="email", subject="Frage", opened_at=now()
    )
    kept_mail = InboundMail.objects.create(
        customer=customer,
        source="imap",
        received_at=now(),
        raw=b"From: e@x.de\r\n\r\nFrage",
        from_address="e@x.de",
    )
    other_mail = InboundMail.objects.create(
        customer=customer,
        source="imap",
        received_at=now(),
        raw=b"From: e@x.de\r\n\r\nSpam",
        from_address="e@x.de",
    )
    letter = _written(case, "inbound", datetime(2026, 3, 1, 10, tzinfo=UTC), "Frage")
    CaseMessage.objects.filter(pk=letter.pk).update(inbound_mail=kept_mail)
    duty = erasure_checks()["service"](customer.pk, date(2026, 12, 3)).duties
    request = ErasureRequest(
        customer_id=customer.pk, request_id=1, keep=duty, today=date(2026, 12, 3)
    )

    counts = erasure_handlers()["service"](request)

    assert (counts["letters_kept"], counts["cases_kept"], counts["inbound_mails"]) == (1, 1, 1)
    kept_mail.refresh_from_db()
    other_mail.refresh_from_db()
    assert bytes(kept_mail.raw).endswith(b"Frage")
    assert (bytes(other_mail.raw), other_mail.from_address) == (b"", "")
