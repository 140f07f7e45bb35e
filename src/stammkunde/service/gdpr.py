"""The service desk's part of a GDPR export and erasure: a customer's cases and their threads,
together with what the desk's policies hold (``desk_gdpr``: goodwill, web form, incidents) and
the mail intake (``intake.gdpr``: inbound mails, originals, files), since the registry takes
one handler per app.

An open case defers an erasure (the customer's matter is still being worked on); once it is
done, cases and messages go. Business letters the law keeps (HGB §257: six years) are named by
the shop's own records, not by the desk, so no retention duty is declared here; the audit
trail of who read or changed the cases stays with ``audit``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from stammkunde.core.gdpr import ErasureCheck, ErasureRequest, Obstacle
from stammkunde.service import desk_gdpr
from stammkunde.service.intake import gdpr as intake_gdpr
from stammkunde.service.models import ACTIVE_STATUSES, Case, CaseMessage


def _instant(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_cases(customer_id: int) -> dict[str, Any]:
    """Every case of the customer with its messages (internal notes included: Art. 15 covers
    what we wrote about them)."""
    cases = (
        Case.objects.filter(customer_id=customer_id)
        .prefetch_related("orders", "messages")
        .order_by("opened_at", "id")
    )
    return {
        "cases": [
            {
                "reference": case.reference,
                "type": case.case_type,
                "status": case.status,
                "channel": case.channel,
                "subject": case.subject,
                "opened_at": _instant(case.opened_at),
                "first_response_at": _instant(case.first_response_at),
                "solved_at": _instant(case.solved_at),
                "escalation_reason": case.escalation_reason,
                "orders": [order.number for order in case.orders.all()],
                "messages": [
                    {
                        "direction": message.direction,
                        "from": message.from_address,
                        "to": message.to_address,
                        "subject": message.subject,
                        "text": message.body_text,
                        "written_at": _instant(message.created_at),
                    }
                    for message in case.messages.all()
                ],
            }
            for case in cases
        ]
    }


@transaction.atomic
def erase_cases(request: ErasureRequest) -> dict[str, int]:
    """Delete the customer's cases and their messages; returns the counts."""
    cases = Case.objects.filter(customer_id=request.customer_id)
    messages = CaseMessage.objects.filter(case__in=cases).delete()[0]
    # Cases of other customers may point at these (merged into, split from): they keep their
    # own data and lose only the link.
    Case.objects.filter(merged_into__in=cases).update(merged_into=None)
    Case.objects.filter(split_from__in=cases).update(split_from=None)
    Case.objects.filter(reopened_from__in=cases).update(reopened_from=None)
    count = cases.count()
    Case.orders.through.objects.filter(case__in=cases).delete()
    cases.delete()
    return {"cases": count, "messages": messages}


def check_erasure(customer_id: int, today: date) -> ErasureCheck:
    """An open case defers the erasure until it is solved."""
    open_cases = list(
        Case.objects.filter(customer_id=customer_id, status__in=ACTIVE_STATUSES).values_list(
            "reference", flat=True
        )
    )
    return ErasureCheck(
        obstacles=tuple(
            Obstacle("service", "open_case", {"case": reference}) for reference in open_cases
        )
    )


def export_service_data(customer_id: int) -> dict[str, Any]:
    """The registered export: cases and the desk's policies' records."""
    return {
        **desk_gdpr.export_desk(customer_id),
        **export_cases(customer_id),
        **intake_gdpr.export_inbound_mail(customer_id),
    }


@transaction.atomic
def erase_service_data(request: ErasureRequest) -> dict[str, int]:
    """The registered erasure: the desk's records first (they name cases), then the cases."""
    return {
        **desk_gdpr.erase_desk(request),
        **erase_cases(request),
        **intake_gdpr.erase_inbound_mail(request),
    }
