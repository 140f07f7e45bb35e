"""The GDPR export (Art. 15/20): everything held about one customer, assembled from every
app's export handler in the registry of ``core.gdpr``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.gdpr import export_handlers
from stammkunde.customers.models import (
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from stammkunde.customers.privacy.requests import new_request, subject_id

EXPORT_FORMAT = "stammkunde-gdpr-export/1"


def export_customer_data(
    customer_id: int,
    *,
    by: Any,
    channel: str = PrivacyRequestChannel.STAFF,
    reference: str = "",
) -> dict[str, Any]:
    """Everything held about one customer, by app, as plain JSON values (the audit trail with
    this very export in it). Audited and recorded as a privacy request."""
    customer_id = subject_id(customer_id, by=by)
    with transaction.atomic():
        record = new_request(
            PrivacyRequestKind.EXPORT,
            customer_id,
            by=by,
            channel=channel,
            reference=reference,
            state=PrivacyRequestState.DONE,
            decided_at=timezone.now(),
            finished_at=timezone.now(),
        )
        audit(
            actor=by,
            action=AuditAction.EXPORT,
            obj=record,
            customer_id=customer_id,
            detail=f"GDPR export ({channel})",
        )
        sections = {label: fn(customer_id) for label, fn in export_handlers().items()}
        record.summary = {
            label: {
                key: len(value) if isinstance(value, list | dict) else 1
                for key, value in part.items()
            }
            for label, part in sections.items()
        }
        record.save(update_fields=["summary"])
    return {
        "format": EXPORT_FORMAT,
        "customer_id": customer_id,
        "exported_at": record.finished_at.isoformat(),
        "request_id": record.pk,
        "data": sections,
    }
