"""Messaging's part of a GDPR export and erasure: the messages sent or held back, the
governor's decisions with their reasons, contact holds, and suppression list entries.

Erasure cancels what is still waiting to go out, blanks the addresses, subjects and bodies of
the messages and decisions (the rows stay, for counts) and deletes the contact holds. A
suppression entry is kept: it is how an objection or a bouncing address stays honoured.
"""

from __future__ import annotations

from typing import Any

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.customers.models import Customer
from stammkunde.messaging.drehbuch_gdpr import erase_trigger_runs, export_trigger_runs
from stammkunde.messaging.models import ContactHold, OutboundMessage, SendDecision, Suppression
from stammkunde.messaging.models.outbox import DUE_STATES, MessageState
from stammkunde.messaging.queries import decision_reason


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_messaging(customer_id: int) -> dict[str, Any]:
    """Every message, every decision with its reason, the holds and the suppression entry."""
    email = Customer.objects.filter(pk=customer_id).values_list("email", flat=True).first()
    return {
        "messages": [
            {
                "to": message.to_address,
                "subject": message.subject,
                "purpose": message.purpose,
                "state": message.state,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
                "message_id": message.message_id,
                "text": message.text_body,
            }
            for message in OutboundMessage.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "send_decisions": [
            {
                "subject": decision.subject,
                "purpose": decision.purpose,
                "outcome": decision.outcome,
                "rule": decision.rule,
                "reason": decision_reason(decision),
                "decided_at": _iso(decision.decided_at),
            }
            for decision in SendDecision.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "contact_holds": [
            {
                "kind": hold.kind,
                "reference": hold.reference,
                "since": _iso(hold.since),
                "until": _iso(hold.until),
            }
            for hold in ContactHold.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "suppression": [
            {"address": entry.address, "reason": entry.reason, "added": _iso(entry.created_at)}
            for entry in Suppression.objects.filter(address=email or "")
        ],
        "trigger_runs": export_trigger_runs(customer_id),
    }


def erase_messaging(request: ErasureRequest) -> dict[str, int]:
    """Cancel waiting messages, blank what identifies the person, drop the holds."""
    messages = OutboundMessage.objects.filter(customer_id=request.customer_id)
    cancelled = messages.filter(state__in=DUE_STATES).update(
        state=MessageState.CANCELLED, error="cancelled: the customer's data was erased"
    )
    blanked = messages.update(
        to_address="", subject="", text_body="", html_body="", headers={}, reply_to=""
    )
    decisions = SendDecision.objects.filter(customer_id=request.customer_id).update(subject="")
    holds, _ = ContactHold.objects.filter(customer_id=request.customer_id).delete()
    return {
        "messages_cancelled": cancelled,
        "messages_blanked": blanked,
        "decisions_blanked": decisions,
        "contact_holds_deleted": holds,
        **erase_trigger_runs(request.customer_id),
    }
