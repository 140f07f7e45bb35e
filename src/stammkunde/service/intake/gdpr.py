"""GDPR handlers of the mail intake: a customer's inbound mails (with their originals) in the
export, and erased with the customer (the raw message and every file deleted; the row stays
as a tombstone so the inbox's counts and the audit trail keep their references)."""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import Any

from django.db import transaction

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.service.models import Attachment, InboundMail

ERASED = b""


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
    return {"inbound_mails": mails}


@transaction.atomic
def erase_inbound_mail(
    request: ErasureRequest, keep: Collection[int] = (), only: Collection[int] | None = None
) -> dict[str, int]:
    """Delete the originals and files of the customer's mails (``only`` these, given a list);
    blank what named them. The mails in ``keep`` (the originals of business letters kept for
    their period) stay whole."""
    mails = InboundMail.objects.filter(customer_id=request.customer_id).exclude(pk__in=keep)
    if only is not None:
        mails = mails.filter(pk__in=only)
    files = Attachment.objects.filter(inbound_mail__in=mails).delete()[0]
    erased = mails.update(
        raw=ERASED, from_address="", subject="", message_id="", outcome={}, error="", size=0
    )
    return {"inbound_mails": erased, "attachments": files, "inbound_mails_kept": len(keep)}
