"""A customer's inbound mails in the GDPR export, and gone (originals and files) on erasure."""

from __future__ import annotations

import base64

import pytest

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.service.intake.gdpr import erase_inbound_mail, export_inbound_mail
from stammkunde.service.models import Attachment, InboundMail
from tests.service.intake.fixtures import raw
from tests.service.intake.helpers import file_raw

pytestmark = pytest.mark.django_db


def test_export_holds_the_original_and_the_files(teams):
    data = raw("customer-de-outlook2007-utf8-umlaut-attachments.eml")
    mail = file_raw(data)
    exported = export_inbound_mail(mail.customer_id)["inbound_mails"]
    assert len(exported) == 1
    assert base64.b64decode(exported[0]["original_base64"]) == data
    assert sorted(file["name"] for file in exported[0]["files"]) == sorted(
        Attachment.objects.filter(inbound_mail=mail).values_list("filename", flat=True)
    )


def test_erasure_deletes_originals_and_files_of_that_customer_only(teams):
    erased = file_raw(raw("customer-de-outlook2007-utf8-umlaut-attachments.eml"))
    kept = file_raw(raw("customer-de-utf7-outlook2000.eml"))
    counts = erase_inbound_mail(ErasureRequest(customer_id=erased.customer_id, request_id=1))
    assert (counts["inbound_mails"], counts["attachments"], counts["inbound_mails_kept"]) == (
        1,
        3,
        0,
    )
    erased.refresh_from_db()
    assert (bytes(erased.raw), erased.from_address, erased.subject) == (b"", "", "")
    assert not Attachment.objects.filter(inbound_mail=erased).exists()
    assert bytes(InboundMail.objects.get(pk=kept.pk).raw) == raw("customer-de-utf7-outlook2000.eml")


def test_the_senders_acknowledgement_record_is_exported_and_erased_with_them(teams):
    from datetime import UTC, datetime

    from stammkunde.service.models import SenderAcknowledgement

    mail = file_raw(raw("customer-de-outlook2007-utf8-umlaut-attachments.eml"))
    other = file_raw(raw("customer-de-utf7-outlook2000.eml"))
    SenderAcknowledgement.objects.all().delete()
    when = datetime(2026, 3, 1, 10, tzinfo=UTC)
    for address in (mail.from_address, other.from_address):
        SenderAcknowledgement.objects.create(address=address.lower(), acknowledged_at=when)

    exported = export_inbound_mail(mail.customer_id)["acknowledgements_sent"]
    assert exported == [
        {"address": mail.from_address.lower(), "acknowledged_at": "2026-03-01T10:00:00+00:00"}
    ]
    counts = erase_inbound_mail(ErasureRequest(customer_id=mail.customer_id, request_id=1))
    assert counts["acknowledgements_deleted"] == 1
    assert list(SenderAcknowledgement.objects.values_list("address", flat=True)) == [
        other.from_address.lower()
    ]
