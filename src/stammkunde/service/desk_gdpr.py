"""GDPR export and erasure of what the desk's policies hold about a customer: goodwill grants,
web form submissions and the incidents their orders were in.

- A web form submission is a received business letter like an e-mail: the case it opened holds
  its text as the customer's first message, and the submission is that letter's original (as
  the mail's original is an e-mail's). It is kept with its case's letters, processing
  restricted, for six years from the end of the year it came in; a submission that opened no
  kept case (its period over, or never filed) is deleted.
- A granted goodwill gesture is an accounting voucher: a voucher's liability, money paid back,
  goods or shipping given away are booked as the shop's expense. Its kind, amount, currency,
  voucher code, order, case and case type, status and dates are kept for eight years from the
  end of the year it was decided (HGB §257 (1) Nr. 4, AO §147 (1) Nr. 4), processing
  restricted, then the grant is deleted. Its free-text reasons are erased at once: the booking
  is explained by kind, case type, case and order; the agent's note on why (which may describe
  the person's circumstances) is no part of the voucher. A declined or pending grant booked
  nothing and is deleted.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.gdpr import ACCOUNTING_VOUCHERS, ErasureRequest, end_of_retention
from stammkunde.service import letters
from stammkunde.service.models import (
    AffectedOrder,
    GoodwillGrant,
    GoodwillStatus,
    WebFormSubmission,
)

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


def is_accounting_record(status: str) -> bool:
    """Whether a grant in ``status`` was booked (granted: its value left the shop)."""
    return status == GoodwillStatus.GRANTED


def grant_kept_until(decided_at: datetime) -> date:
    """The last day a grant decided at ``decided_at`` is kept (local calendar year)."""
    return end_of_retention(timezone.localtime(decided_at).date(), ACCOUNTING_VOUCHERS[0])


def grant_ends(grants: QuerySet[GoodwillGrant]) -> list[tuple[int, date]]:
    """Each booked grant among ``grants``: (grant id, kept until)."""
    rows = grants.values_list("pk", "status", "decided_at", "requested_at")
    return [
        (pk, grant_kept_until(decided_at or requested_at))
        for pk, status, decided_at, requested_at in rows
        if is_accounting_record(status)
    ]


@transaction.atomic
def erase_desk(
    request: ErasureRequest,
    *,
    grants: QuerySet[GoodwillGrant] | None = None,
    submissions: QuerySet[WebFormSubmission] | None = None,
    kept_cases: Collection[str] = (),
) -> dict[str, int]:
    """Delete the web form submissions but for the originals of letters kept in
    ``kept_cases`` (case references); keep booked goodwill grants within their eight years
    (when the request keeps the desk's goodwill) with their free texts erased, and delete the
    others. ``grants`` and ``submissions`` default to all of the customer's."""
    customer_id = request.customer_id
    today = request.today or timezone.localdate()
    if grants is None:
        grants = GoodwillGrant.objects.filter(customer_id=customer_id)
    if submissions is None:
        submissions = WebFormSubmission.objects.filter(customer_id=customer_id)
    kept_submissions = [
        pk
        for pk, reference, received_at in submissions.values_list(
            "pk", "case_reference", "received_at"
        )
        if reference in kept_cases and letters.kept_until(received_at) >= today
    ]
    deleted, _by_model = submissions.exclude(pk__in=kept_submissions).delete()
    kept_grants: list[int] = []
    if request.keeps("service", "goodwill") is not None:
        kept_grants = [pk for pk, until in grant_ends(grants) if until >= today]
    pseudonymized = (
        GoodwillGrant.objects.filter(pk__in=kept_grants)
        .exclude(reason=ERASED, decision_reason="")
        .update(reason=ERASED, decision_reason="")
    )
    grants_deleted, _by_model = grants.exclude(pk__in=kept_grants).delete()
    audit(
        actor=request.by,
        action=AuditAction.ERASE,
        object_type="service.goodwillgrant",
        customer_id=customer_id,
        detail=f"erasure {request.request_id}",
    )
    return {
        "web_form_submissions_deleted": deleted,
        "web_form_submissions_kept": len(kept_submissions),
        "goodwill_grants_pseudonymized": pseudonymized,
        "goodwill_grants_kept": len(kept_grants),
        "goodwill_grants_deleted": grants_deleted,
    }
