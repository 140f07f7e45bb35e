"""From stored raw message to filed case: threading, customers, orders, loops, bounces,
parking and re-processing."""

from __future__ import annotations

import pytest

from stammkunde.messaging.models import OutboundMessage, Suppression
from stammkunde.service.intake import decisions
from stammkunde.service.intake.processing import MAX_ATTEMPTS, process_waiting
from stammkunde.service.intake.receiving import reprocess_inbound_mail
from stammkunde.service.models import Case, CaseMessage, InboundMail, InboundState
from tests.factories import CustomerFactory
from tests.service.intake.fixtures import raw
from tests.service.intake.helpers import customer_mail, file_raw, process_all

pytestmark = pytest.mark.django_db


def test_a_customer_mail_opens_a_case_with_customer_and_order(teams, order):
    mail = file_raw(customer_mail())
    assert mail.state == InboundState.FILED
    case = Case.objects.get(pk=mail.outcome["case"])
    assert case.customer == order.customer
    assert list(case.orders.all()) == [order]
    assert case.case_type == "delivery_problem"
    message = case.messages.get()
    assert message.inbound_mail == mail
    assert "Paket ist nicht angekommen" in message.body_text


def test_an_unknown_sender_becomes_an_unverified_customer(teams):
    mail = file_raw(customer_mail(sender="neu@example.org", name="Neue Kundin"))
    case = Case.objects.get(pk=mail.outcome["case"])
    assert case.customer.email == "neu@example.org"
    assert case.customer.verified is False
    assert (case.customer.first_name, case.customer.last_name) == ("Neue", "Kundin")
    assert mail.outcome["new_customer"] is True


def test_a_reply_with_our_reference_lands_in_the_same_case(teams, customer):
    first = file_raw(customer_mail())
    reference = first.outcome["reference"]
    second = file_raw(customer_mail(subject=f"AW: [{reference}] Paket", text="Noch nichts da."))
    assert second.outcome["case"] == first.outcome["case"]
    assert Case.objects.count() == 1
    assert CaseMessage.objects.filter(case_id=first.outcome["case"]).count() == 2


def test_a_reply_threads_by_in_reply_to(teams, customer):
    first = file_raw(customer_mail(message_id="<erste@example.de>"))
    second = file_raw(
        customer_mail(subject="Re: etwas anderes", text="Und?", in_reply_to="<erste@example.de>")
    )
    assert second.outcome["case"] == first.outcome["case"]


def test_a_mail_loop_is_kept_but_never_filed(teams, settings):
    settings.MAIL_DOMAIN = "shop.example"
    mail = file_raw(customer_mail(message_id="<echo@shop.example>"))
    assert (mail.state, mail.automatic) == (InboundState.AUTOMATIC, "loop")
    assert Case.objects.count() == 0


def test_auto_replies_are_never_answered_and_people_once_a_week(teams, customer, settings):
    settings.INBOUND_ACKNOWLEDGE = True
    auto = file_raw(customer_mail(headers={"Auto-Submitted": "auto-replied"}))
    assert auto.state == InboundState.AUTOMATIC
    assert OutboundMessage.objects.count() == 0
    first = file_raw(customer_mail(subject="Frage 1", text="Eine Frage."))
    second = file_raw(customer_mail(subject="Frage 2", text="Noch eine Frage."))
    assert first.outcome["acknowledged"] is True
    assert second.outcome["acknowledged"] is False
    ack = OutboundMessage.objects.get()
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.to_address == "erika@example.de"


def test_a_hard_bounce_of_our_message_suppresses_the_address(teams, customer):
    sent = OutboundMessage.objects.create(
        idempotency_key="k1",
        customer=customer,
        to_address="not_existing@znuny.com",
        purpose="transactional",
        state="sent",
        subject="Ihre Bestellung",
        message_id="<20150830145601.30.608881@edenhofer.zammad.com>",
        source_type="test",
        source_id="1",
    )
    mail = file_raw(raw("bounce-postfix-user-unknown.eml"))
    assert mail.state == InboundState.BOUNCE
    assert mail.outcome["bounce"]["matched"] is True
    entry = Suppression.objects.get(address="not_existing@znuny.com")
    assert (entry.reason, entry.message) == ("hard_bounce", sent)
    assert Case.objects.count() == 0


def test_a_bounce_of_a_message_we_never_sent_suppresses_nothing(teams):
    mail = file_raw(raw("bounce-sendmail-user-unknown-dsn.eml"))
    assert mail.state == InboundState.BOUNCE
    assert mail.outcome["bounce"]["matched"] is False
    assert Suppression.objects.count() == 0


def test_a_failing_mail_is_retried_then_parked_and_reprocessable(teams, monkeypatch):
    from stammkunde.service.intake import filing

    def broken(*args, **kwargs):
        raise RuntimeError("routing table missing")

    monkeypatch.setattr(filing, "open_case", broken)
    data = customer_mail()
    mail = file_raw(data)
    assert (mail.state, mail.attempts) == (InboundState.RECEIVED, 1)
    assert "routing table missing" in mail.error
    for _ in range(MAX_ATTEMPTS):
        InboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=None)
        process_waiting()
    mail.refresh_from_db()
    assert mail.state == InboundState.FAILED
    assert "RuntimeError: routing table missing" in mail.error
    assert bytes(mail.raw) == data  # the original stays, untouched
    monkeypatch.undo()
    reprocess_inbound_mail(mail, by=None)
    process_all()
    mail.refresh_from_db()
    assert mail.state == InboundState.FILED
    assert Case.objects.count() == 1


def test_one_broken_mail_does_not_stop_the_others(teams, monkeypatch):
    real = decisions.parse_mail

    def picky(data):
        if b"kaputt" in data:
            raise RuntimeError("parser crashed")
        return real(data)

    monkeypatch.setattr(decisions, "parse_mail", picky)
    from stammkunde.service.intake.receiving import store_inbound_mail

    bad = store_inbound_mail(raw=customer_mail(text="kaputt"), source="raw").mail
    good = store_inbound_mail(raw=customer_mail(text="alles gut"), source="raw").mail
    process_all()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.state == InboundState.RECEIVED and bad.error
    assert good.state == InboundState.FILED


def test_the_same_message_from_two_sources_is_filed_once(teams):
    data = customer_mail(message_id="<twice@example.de>")
    first = file_raw(data, source="imap")
    second = file_raw(data, source="webhook")
    assert second.state == InboundState.DUPLICATE
    assert second.duplicate_of == first
    assert Case.objects.count() == 1


def test_copies_in_one_batch_are_filed_once_and_a_reused_message_id_is_not_a_copy(teams):
    from stammkunde.service.intake.receiving import store_inbound_mail

    data = customer_mail(message_id="<thrice@example.de>")
    first = store_inbound_mail(raw=data, source="imap").mail
    other = store_inbound_mail(
        raw=customer_mail(message_id="<thrice@example.de>", text="Ganz andere Frage."),
        source="raw",
    ).mail
    second = store_inbound_mail(raw=data, source="webhook").mail
    process_all()
    for mail in (first, other, second):
        mail.refresh_from_db()
    assert first.state == InboundState.FILED
    assert other.state == InboundState.FILED
    assert second.state == InboundState.DUPLICATE
    assert second.duplicate_of == first
    assert Case.objects.count() == 2


def test_script_in_html_never_reaches_the_case(teams):
    mail = file_raw(
        customer_mail(
            html='<p onclick="x()">Hallo<script>alert(1)</script><img src="https://t.example/p.gif"></p>',
        )
    )
    message = CaseMessage.objects.get(inbound_mail=mail)
    assert "<script" not in message.body_html
    assert "onclick" not in message.body_html
    assert 'data-remote-src="https://t.example/p.gif"' in message.body_html


def test_a_mail_without_from_and_date_is_filed_under_an_unverified_customer(teams):
    mail = file_raw(raw("malformed-utf7-no-from-no-date.eml"))
    assert mail.state == InboundState.FILED
    case = Case.objects.get(pk=mail.outcome["case"])
    assert case.customer.verified is False
    assert case.customer.email is None


def test_a_known_customer_is_not_marked_unverified(teams):
    known = CustomerFactory(email="stamm@example.de")
    mail = file_raw(customer_mail(sender="stamm@example.de"))
    assert Case.objects.get(pk=mail.outcome["case"]).customer == known
    known.refresh_from_db()
    assert known.verified is True


def _with_files(files: list[tuple[str, bytes]]) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Erika Mustermann <erika@example.de>"
    message["To"] = "service@shop.example"
    message["Subject"] = "Fotos vom Schaden"
    message["Message-ID"] = "<files@example.de>"
    message.set_content("Anbei die Fotos.")
    for name, content in files:
        message.add_attachment(content, maintype="image", subtype="png", filename=name)
    return message.as_bytes()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def test_500_attachments_are_all_listed_and_100_stored(teams, customer):
    from stammkunde.service.models import Attachment

    mail = file_raw(_with_files([(f"foto-{n}.png", PNG) for n in range(500)]))
    assert mail.state == InboundState.FILED
    outcomes = list(Attachment.objects.filter(inbound_mail=mail).values_list("outcome", flat=True))
    assert len(outcomes) == 500
    assert outcomes.count("stored") == 100
    assert outcomes.count("over_count") == 400
    assert mail.outcome["files"] == {"stored": 100, "over_count": 400}


@pytest.mark.timeout(900)
def test_a_50_mb_message_is_filed_and_its_big_file_kept_in_the_original(teams, customer):
    from stammkunde.service.models import Attachment

    big = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (39 * 1024 * 4)  # about 39 MB
    data = _with_files([("riesig.png", big), ("klein.png", PNG)])
    assert len(data) > 50 * 1024 * 1024
    mail = file_raw(data)
    assert mail.state == InboundState.FILED
    files = {a.filename: a for a in Attachment.objects.filter(inbound_mail=mail)}
    assert files["riesig.png"].outcome == "too_large"
    assert files["riesig.png"].content is None
    assert files["riesig.png"].size == len(big)
    assert bytes(files["klein.png"].content) == PNG
    assert InboundMail.objects.get(pk=mail.pk).size == len(data)
