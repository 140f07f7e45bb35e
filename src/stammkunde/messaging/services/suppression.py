"""The suppression list: addresses that bounce, complained, unsubscribed from everything, or
that staff blocked. Written only here."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.keys import normalize_email
from stammkunde.customers.queries import find_by_email
from stammkunde.messaging.models import OutboundMessage, Suppression, SuppressionReason
from stammkunde.messaging.models.suppression import MARKETING_ONLY_REASONS
from stammkunde.messaging.queries import suppressions_in_scope
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.services import record_activity


class SuppressionError(ValueError):
    """An address that cannot be put on (or taken off) the list; the message says why."""


def suppress_address(
    *,
    address: str,
    reason: str,
    source: str,
    message: OutboundMessage | None = None,
    by: Any | None = None,
) -> Suppression:
    """Put the address on the suppression list. Already there: a reason that stops all mail
    replaces one that stopped only marketing; otherwise the first entry stays."""
    reason = SuppressionReason(reason)
    normalized = normalize_email(address)
    if not normalized:
        raise SuppressionError("no address given")
    try:
        with transaction.atomic():
            entry = Suppression.objects.select_for_update().filter(address=normalized).first()
            if entry is not None:
                stronger = (
                    entry.reason in MARKETING_ONLY_REASONS and reason not in MARKETING_ONLY_REASONS
                )
                if not stronger:
                    return entry
                entry.reason, entry.source = reason, source[:100]
                entry.save(update_fields=["reason", "source"])
            else:
                entry = Suppression.objects.create(
                    address=normalized, reason=reason, source=source[:100], message=message
                )
            customer = find_by_email(normalized)
            if customer is not None and reason == SuppressionReason.UNSUBSCRIBED_ALL:
                record_activity(
                    customer_id=customer.pk,
                    kind=ActivityKind.UNSUBSCRIBED,
                    params={},
                    actor=by,
                    actor_label="" if by else source[:150],
                    subject=entry,
                    dedupe_key=f"unsubscribed-all:{entry.pk}",
                )
            audit(
                actor=by,
                action=AuditAction.CREATE,
                obj=entry,
                customer_id=customer.pk if customer else None,
                detail=f"suppressed: {reason}",
            )
            return entry
    except IntegrityError:
        # Added by a concurrent call (the address is unique): that entry counts.
        entry = Suppression.objects.filter(address=normalized).first()
        if entry is None:
            raise
        return entry


@transaction.atomic
def remove_suppression(*, address: str, by: Any) -> bool:
    """Take the address off the list (staff, audited). False when it was not on it, or when
    ``by`` may not see it (staff limited to shops, ``queries.suppressions_in_scope``): then
    as if it were not there, with a REFUSE row. Adding needs no such check: it only stops
    mail, and tells nothing about the address."""
    normalized = normalize_email(address) or ""
    entry = Suppression.objects.filter(address=normalized).first()
    if entry is None:
        return False
    if not suppressions_in_scope(Suppression.objects.filter(pk=entry.pk), by).exists():
        audit(
            actor=by,
            action=AuditAction.REFUSE,
            obj=entry,
            detail="outside the staff member's shops: remove suppression",
        )
        return False
    customer = find_by_email(normalized)
    audit(
        actor=by,
        action=AuditAction.DELETE,
        obj=entry,
        customer_id=customer.pk if customer else None,
        detail=f"unsuppressed (was {entry.reason})",
    )
    entry.delete()
    return True
