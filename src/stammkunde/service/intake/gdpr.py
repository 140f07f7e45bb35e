"""GDPR handlers of the mail intake: a customer's inbound mails (with their originals) in the
export, and erased with the customer (the raw message and every file deleted; the row stays
as a tombstone so the inbox's counts and the audit trail keep their references). The record of
when a sender's address last got our automatic acknowledgement is theirs too: exported, and
deleted with a whole person's erasure."""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import Any

from django.db import transaction

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.service.models import Attachment, InboundMail, SenderAcknowledgement

ERASED = b""


def _addresses(customer_id: int) -> set[str]:
    """The customer's addresses as the acknowledgements store them (normalized): their e-mail
    and every sender address of their mails."""
    found = set(
        InboundMail.objects.filter(customer_id=customer_id)
        .exclude(from_address="")
        .values_list("from_address", flat=True)
    )
    found |= set(
        Customer.objects.filter(pk=customer_id).exclude(email=None).values_list("email", flat=True)
    )
    normalized = {normalize_email(address) for address in found}
    return {address for address in normalized if address}


def export_inbound_mail(customer_id: int) -> dict[str, Any]:
    """The mails a customer sent us, each with its original (base64) and its files' names."""
    mails = []
    for mail in InboundMail.objects.filter(customer_id=customer_id).order_by("id"):
        mails.append(
            {
                "id": mail.pk,
                "received_at": mail.received_at.isoformat(),
                "source": mail.source,
                "from": mail.from_address,
                "subject": mail.subject,
                "state": mail.state,
                "original_base64": base64.b64encode(bytes(mail.raw)).decode("ascii"),
                "files": [
                    {"name": name, "type": kind, "size": size}
                    for name, kind, size in mail.attachments.values_list(
                        "filename", "sniffed_type", "size"
                    )
                ],
            }
        )
    acknowledged = SenderAcknowledgement.objects.filter(address__in=_addresses(customer_id))
    return {
        "inbound_mails": mails,
        "acknowledgements_sent": [
            {"address": row.address, "acknowledged_at": row.acknowledged_at.isoformat()}
            for row in acknowledged.order_by("address")
        ],
    }


@transaction.atomic
def erase_inbound_mail(
    request: ErasureRequest, keep: Collection[int] = (), only: Collection[int] | None = None
) -> dict[str, int]:
    """Delete the originals and files of the customer's mails (``only`` these, given a list);
    blank what named them. The mails in ``keep`` (the originals of business letters kept for
    their period) stay whole."""
    acknowledgements = 0
    if request.shop_id is None:
        # Before the mails' senders are blanked: they name the addresses.
        acknowledgements, _ = SenderAcknowledgement.objects.filter(
            address__in=_addresses(request.customer_id)
        ).delete()
    mails = InboundMail.objects.filter(customer_id=request.customer_id).exclude(pk__in=keep)
    if only is not None:
        mails = mails.filter(pk__in=only)
    files = Attachment.objects.filter(inbound_mail__in=mails).delete()[0]
    erased = mails.update(
        raw=ERASED, from_address="", subject="", message_id="", outcome={}, error="", size=0
    )
    return {
        "inbound_mails": erased,
        "attachments": files,
        "inbound_mails_kept": len(keep),
        "acknowledgements_deleted": acknowledgements,
    }
