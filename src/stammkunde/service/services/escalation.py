"""Escalation to the mediator by rule: angry wording or legal threats, the third message from
the customer on the same matter, a high-value customer's complaint, a breached standard (the
clock job, ``service.services.monitoring``). The button calls ``cases.escalate`` directly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings

from stammkunde.service.models import Case, CaseType, EscalationReason
from stammkunde.service.services import routing
from stammkunde.service.services.case_common import is_restricted
from stammkunde.service.wording import announces_legal_steps, reads_angry

# The customer's third message on one matter: they had to ask twice already.
THIRD_CONTACT = 3


def high_value_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "SERVICE_HIGH_VALUE", "1000")))


def reason_for(case: Case, *, text: str, opening: bool) -> str | None:
    """The rule that sends this case to the mediator now, or None."""
    if announces_legal_steps(text):
        return EscalationReason.LEGAL_THREAT
    if reads_angry(text):
        return EscalationReason.ANGRY_WORDING
    if case.inbound_count >= THIRD_CONTACT:
        return EscalationReason.REPEATED_COMPLAINT
    if opening and case.case_type == CaseType.COMPLAINT:
        _segment, value = routing.customer_value(case.customer_id)
        if value >= high_value_threshold():
            return EscalationReason.HIGH_VALUE
    return None


def apply_rules(case: Case, *, text: str, opening: bool, at: datetime | None = None) -> bool:
    """Escalate ``case`` if a rule says so (once: an escalated case keeps its reason), at the
    time of the message that made it (``at``, default now)."""
    if case.escalated_at is not None or is_restricted(case):
        # A restricted case (Art. 18 GDPR) is stored, not escalated to anybody.
        return False
    reason = reason_for(case, text=text, opening=opening)
    if reason is None:
        return False
    from stammkunde.service.services.cases import escalate

    escalate(case, by=None, reason=reason, at=at)
    return True
