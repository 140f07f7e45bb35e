"""The installation's one mailbox and staff limited to shops (issue 12): a mail filed in no
case (parked, an automatic reply, a bounce, one still waiting) may be about any shop, so staff
limited to shops see only the mail filed in cases they may see, even when the sender is a
customer of theirs. The list and its counts leave the rest out; the mail's page, its
original, its re-processing and its files answer 404 and leave a REFUSE row. Unlimited staff
see every mail."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.intake.queries import inbound_mail, inbound_mails, state_counts
from stammkunde.service.models import Attachment, Case, CaseMessage, InboundMail
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db

UNFILED = ("failed", "automatic", "bounce", "received")


@pytest.fixture
def lead_of_a(two_shops):
    """Lea, a team lead (she has the inbox of inbound mail) limited to shop A."""
    lea = make_staff_user("lea", role="Team lead")
    limit_staff_to_shops(lea, [two_shops["a"].pk], by=None)
    return lea


def _mail(customer, subject: str, state: str) -> InboundMail:
    mail = InboundMail.objects.create(
        source="raw",
        raw=b"Subject: x\r\n\r\nx",
        received_at=timezone.now(),
        state=state,
        customer=customer,
        subject=subject,
    )
    Attachment.objects.create(
        inbound_mail=mail,
        filename="rechnung.png",
        declared_type="image/png",
        sniffed_type="image/png",
        size=3,
        sha256=hashlib.sha256(b"png").hexdigest(),
        content=b"png",
        outcome="stored",
    )
    return mail


@pytest.fixture
def mailbox(two_shops):
    """Alma (shop A only) wrote four mails that went into no case, and one filed in her case
    about herself; one mail of no known sender was parked."""
    alma = two_shops["alma"]
    mails = {state: _mail(alma, f"Alma {state}", state) for state in UNFILED}
    mails["nobody"] = _mail(None, "Unbekannt", "failed")
    filed = _mail(alma, "Alma filed", "filed")
    case = Case.objects.create(
        reference="SK-ALMA", customer=alma, subject="Frage", opened_at=timezone.now()
    )
    CaseMessage.objects.create(
        case=case,
        direction="inbound",
        subject="Alma filed",
        body_text="Hallo",
        inbound_mail=filed,
        created_at=timezone.now(),
    )
    mails["filed"] = filed
    return mails


def test_the_list_and_its_counts_show_only_mail_filed_in_their_cases(lead_of_a, mailbox):
    shown = {mail.subject for mail in inbound_mails(state="", offset=0, limit=50, by=lead_of_a)}
    assert shown == {"Alma filed"}
    counts = {row["state"]: row["count"] for row in state_counts(by=lead_of_a)}
    assert counts == {state: 1 if state == "filed" else 0 for state in counts}


def test_unlimited_staff_see_every_mail(team_lead, mailbox):
    shown = {mail.subject for mail in inbound_mails(state="", offset=0, limit=50, by=team_lead)}
    assert shown == {mail.subject for mail in mailbox.values()}
    assert sum(row["count"] for row in state_counts(by=team_lead)) == len(mailbox)
    assert inbound_mail(mailbox["bounce"].pk, by=team_lead) == mailbox["bounce"]


@pytest.mark.parametrize("which", [*UNFILED, "nobody"])
def test_an_unfiled_mail_is_404_on_every_page_and_the_probe_recorded(
    client, lead_of_a, mailbox, which
):
    mail = mailbox[which]
    client.force_login(lead_of_a)
    pages = [
        reverse("ui:inbound-mail-detail", args=[mail.pk]),
        reverse("ui:inbound-mail-original", args=[mail.pk]),
        reverse("ui:inbound-attachment", args=[mail.attachments.get().pk]),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    reprocess = client.post(reverse("ui:inbound-mail-reprocess", args=[mail.pk]))
    assert reprocess.status_code == 404
    refusals = AuditEntry.objects.filter(
        actor=lead_of_a, action=AuditAction.REFUSE, object_id=str(mail.pk)
    )
    assert refusals.count() == 4
    listed = client.get(reverse("ui:inbound-mail-list")).content.decode()
    assert mail.subject not in listed
    assert "Alma filed" in listed


def test_a_mail_filed_in_their_case_opens(client, lead_of_a, mailbox):
    client.force_login(lead_of_a)
    mail = mailbox["filed"]
    assert client.get(reverse("ui:inbound-mail-detail", args=[mail.pk])).status_code == 200
    file = mail.attachments.get()
    assert client.get(reverse("ui:inbound-attachment", args=[file.pk])).status_code == 200


def _sent(customer, subject: str, **about) -> None:

    OutboundMessage.objects.create(
        idempotency_key=f"test:{subject}",
        customer=customer,
        to_address=customer.email,
        purpose="service",
        subject=subject,
        from_address="service@example.de",
        message_id=f"<{subject.replace(' ', '-')}@example.de>",
        **about,
    )


def test_the_outbox_leaves_out_other_shops_matters_of_a_shared_customer(
    client, lead_of_a, team_lead, two_shops
):
    """Clara bought in both shops: the lead of shop A sees the mails to her about shop A and
    about herself, not the reply in shop B's case nor shop B's shipping notice."""
    from stammkunde.messaging.queries import may_resolve_message, outbox_counts, outbox_page
    from stammkunde.service.models import Team
    from stammkunde.shop.models import Order

    clara = two_shops["clara"]
    team_b = Team.objects.create(name="Tee-Desk", slug="tee-desk", shop=two_shops["b"])
    case_b = Case.objects.create(
        reference="SK-B", customer=clara, team=team_b, subject="Tee", opened_at=timezone.now()
    )
    order_a, order_b = Order.objects.get(number="A-1002"), Order.objects.get(number="B-2002")
    _sent(clara, "Antwort Tee", source_type="case", source_id=str(case_b.pk))
    _sent(clara, "Versand Tee", source_type="trigger", order_id=str(order_b.pk))
    _sent(clara, "Versand Kaffee", source_type="trigger", order_id=str(order_a.pk))
    _sent(clara, "Geburtstag", source_type="trigger")

    assert {row.subject for row in outbox_page(by=lead_of_a)} == {"Versand Kaffee", "Geburtstag"}
    assert sum(outbox_counts(by=lead_of_a).values()) == 2
    assert len(outbox_page(by=team_lead)) == 4
    theirs = OutboundMessage.objects.get(subject="Antwort Tee")
    assert not may_resolve_message(theirs.pk, by=lead_of_a)
    assert may_resolve_message(theirs.pk, by=team_lead)
    client.force_login(lead_of_a)
    page = client.get(reverse("ui:outbox-list")).content.decode()
    assert "Versand Kaffee" in page and "Tee" not in page
