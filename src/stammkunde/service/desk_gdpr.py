"""GDPR export and erasure of what the desk's policies hold about a customer: goodwill grants,
web form submissions and the incidents their orders were in."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.gdpr import ErasureRequest
from stammkunde.service.models import AffectedOrder, GoodwillGrant, WebFormSubmission

ERASED = "[erased]"


def export_desk(customer_id: int) -> dict[str, Any]:
    """Goodwill grants (kind, amount, reason, decision), web form messages, incidents."""
    grants = GoodwillGrant.objects.filter(customer_id=customer_id).select_related("voucher")
    submissions = WebFormSubmission.objects.filter(customer_id=customer_id)
    affected = AffectedOrder.objects.filter(customer_id=customer_id).select_related(
        "incident", "order"
    )
    return {
        "goodwill_grants": [
            {
                "kind": grant.kind,
                "amount": str(grant.amount),
                "currency": grant.currency,
                "reason": grant.reason,
                "status": grant.status,
                "requested_at": grant.requested_at.isoformat(),
                "decided_at": grant.decided_at.isoformat() if grant.decided_at else None,
                "decision_reason": grant.decision_reason,
                "voucher_code": grant.voucher.code if grant.voucher else None,
            }
            for grant in grants
        ],
        "web_form_submissions": [
            {
                "received_at": submission.received_at.isoformat(),
                "name": submission.name,
                "email": submission.email,
                "order_number": submission.order_number,
                "topic": submission.topic,
                "message": submission.message,
            }
            for submission in submissions
        ],
        "incidents": [
            {
                "incident": row.incident.title,
                "order": row.order.number,
                "notified_at": row.notified_at.isoformat() if row.notified_at else None,
            }
            for row in affected
        ],
    }


@transaction.atomic
def erase_desk(request: ErasureRequest) -> dict[str, int]:
    """Delete the web form messages; keep goodwill grants as the shop's expense records
    (kind, amount, dates) but erase the free texts, which may describe the person."""
    customer_id = request.customer_id
    submissions, _by_model = WebFormSubmission.objects.filter(customer_id=customer_id).delete()
    grants = GoodwillGrant.objects.filter(customer_id=customer_id).update(
        reason=ERASED, decision_reason=""
    )
    audit(
        actor=request.by,
        action=AuditAction.ERASE,
        object_type="service.goodwillgrant",
        customer_id=customer_id,
        detail=f"erasure {request.request_id}",
    )
    return {"web_form_submissions_deleted": submissions, "goodwill_grants_pseudonymized": grants}
