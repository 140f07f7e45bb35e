"""The inbox of inbound mail: who may see it, parked mails with their reason, re-processing,
the original and the files as downloads, every read audited; script in a mail never runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stammkunde.audit.models import AuditEntry
from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import Attachment, InboundMail, InboundState
from tests.service.intake.fixtures import raw
from tests.service.intake.helpers import customer_mail, file_raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def parked(db):
    mail = store_inbound_mail(raw=b"Subject: kaputt\r\n\r\n\xff", source="raw").mail
    InboundMail.objects.filter(pk=mail.pk).update(
        state=InboundState.FAILED, error="RuntimeError: routing table missing", attempts=5
    )
    return mail


def test_the_team_lead_sees_parked_mails_with_their_reason(client, team_lead, parked):
    client.force_login(team_lead)
    html = client.get(reverse("ui:inbound-mail-list"), {"state": "failed"}).content.decode()
    assert "routing table missing" in html
    assert AuditEntry.objects.filter(actor=team_lead, detail="inbound mail list").exists()


def test_an_agent_may_not_open_the_inbox(client, agent, parked):
    client.force_login(agent)
    assert client.get(reverse("ui:inbound-mail-list")).status_code == 403
    assert client.get(reverse("ui:inbound-mail-detail", args=[parked.pk])).status_code == 403
    assert client.get(reverse("ui:inbound-mail-original", args=[parked.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, parked):
    response = client.get(reverse("ui:inbound-mail-detail", args=[parked.pk]))
    assert response.status_code == 302


def test_reprocessing_puts_a_parked_mail_back_in_the_queue(client, team_lead, parked):
    client.force_login(team_lead)
    response = client.post(reverse("ui:inbound-mail-reprocess", args=[parked.pk]))
    assert response.status_code == 302
    parked.refresh_from_db()
    assert (parked.state, parked.attempts, parked.error) == (InboundState.RECEIVED, 0, "")
    assert AuditEntry.objects.filter(actor=team_lead, detail="reprocess").count() >= 1


def test_the_original_downloads_byte_for_byte(client, team_lead, parked):
    client.force_login(team_lead)
    response = client.get(reverse("ui:inbound-mail-original", args=[parked.pk]))
    assert response.status_code == 200
    assert response.content == b"Subject: kaputt\r\n\r\n\xff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(actor=team_lead, detail="original downloaded").exists()


def test_a_mail_detail_shows_the_text_and_never_the_script(client, team_lead):
    mail = file_raw(
        customer_mail(
            html='<p>Hallo<script>alert("x")</script><img src="https://t.example/p.gif"></p>'
        )
    )
    client.force_login(team_lead)
    html = client.get(reverse("ui:inbound-mail-detail", args=[mail.pk])).content.decode()
    assert "Paket ist nicht angekommen" in html
    assert 'alert("x")' not in html
    assert 'data-remote-src="https://t.example/p.gif"' in html


def test_a_file_whose_type_lies_downloads_as_a_neutral_file(client, agent):
    mail = file_raw(raw("customer-de-attachment-type-lies-quicktime-is-jpeg.eml"))
    movie = Attachment.objects.get(inbound_mail=mail, filename="Video1.MOV")
    assert movie.type_mismatch is True
    client.force_login(agent)
    response = client.get(reverse("ui:inbound-attachment", args=[movie.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # the real type, shown as an image
    assert response["X-Content-Type-Options"] == "nosniff"
    pdf = file_raw(raw("customer-de-outlook2007-utf8-umlaut-attachments.eml"))
    text_file = Attachment.objects.filter(inbound_mail=pdf, filename__endswith=".txt").first()
    response = client.get(reverse("ui:inbound-attachment", args=[text_file.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("de", "Die Datenbank war kurz nicht erreichbar"),
        ("en", "The database was briefly unavailable"),
    ],
)
def test_a_parked_mail_tells_its_reason_in_the_readers_language(
    client, team_lead, parked, language, reason
):
    from django.conf import settings

    # Stored by the worker as a code beside the technical text (issue 15).
    InboundMail.objects.filter(pk=parked.pk).update(
        error="OperationalError: database is locked", error_code="database_temporary"
    )
    client.force_login(team_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(reverse("ui:inbound-mail-list"), {"state": "failed"}).content.decode()

    assert reason in html
    assert "database is locked" not in html  # the list tells the reason, not the trace
