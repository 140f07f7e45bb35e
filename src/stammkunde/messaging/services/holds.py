"""Contact holds: the service desk tells messaging that a customer must not get marketing
(an open case, a complaint) by calling these; messaging never imports the service desk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core import group_savepoint
from stammkunde.messaging.governor_terms import HoldKind
from stammkunde.messaging.models import ContactHold
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.services import record_activity

# The timeline's words for the holds (timeline.vocabulary.CONTACT_HOLD_REASONS).
HOLD_REASONS = {
    HoldKind.OPEN_CASE: "open_case",
    HoldKind.COMPLAINT: "recent_complaint",
    HoldKind.PAUSED: "customer_request",
}


def set_contact_hold(
    *,
    customer_id: int,
    kind: str,
    reference: str,
    by: Any | None = None,
    until: datetime | None = None,
) -> ContactHold:
    """Hold back marketing for this customer until the hold is released (or ``until``, for a
    pause the customer chose). Setting an open hold again (same kind and reference) returns
    it unchanged."""
    kind = HoldKind(kind)
    # Inserted first, looked up only when it is there already (the open hold is unique): a new
    # case's holds are always new, so the usual path costs no look-up.
    try:
        with group_savepoint.atomic():
            hold = ContactHold.objects.create(
                customer_id=customer_id,
                kind=kind,
                reference=str(reference)[:64],
                since=timezone.now(),
                until=until,
            )
            record_activity(
                customer_id=customer_id,
                kind=ActivityKind.CONTACT_HOLD_SET,
                params={"reason": HOLD_REASONS[kind], "text": str(reference)}
                | ({"until": until.date().isoformat()} if until else {}),
                actor=by,
                actor_label="" if by else "messaging",
                subject=hold,
            )
            if by is not None:
                audit(actor=by, action=AuditAction.CREATE, obj=hold, customer_id=customer_id)
            return hold
    except IntegrityError:
        if group_savepoint.covered():
            raise  # the group is rolled back and this mail worked again alone
        # Set before, or by a concurrent call (the open hold is unique): that one counts.
        existing = _open_hold(customer_id, kind, reference)
        if existing is None:
            raise
        return existing


def release_contact_hold(
    *,
    customer_id: int,
    kind: str,
    reference: str,
    linger_days: int = 0,
    by: Any | None = None,
) -> ContactHold | None:
    """Release the open hold; with ``linger_days`` it keeps counting that long (a solved
    complaint holds back marketing for 30 more days). None when no such hold is open."""
    kind = HoldKind(kind)
    if linger_days < 0:
        raise ValueError("linger_days must not be negative")
    with transaction.atomic():
        hold = (
            ContactHold.objects.select_for_update()
            .filter(
                customer_id=customer_id,
                kind=kind,
                reference=str(reference)[:64],
                released_at__isnull=True,
            )
            .first()
        )
        if hold is None:
            return None
        now = timezone.now()
        hold.released_at = now
        hold.until = now + timedelta(days=linger_days)
        hold.save(update_fields=["released_at", "until"])
        if linger_days:
            record_activity(
                customer_id=customer_id,
                kind=ActivityKind.CONTACT_HOLD_SET,
                params={"reason": HOLD_REASONS[kind], "until": hold.until.date().isoformat()},
                actor=by,
                actor_label="" if by else "messaging",
                subject=hold,
            )
        else:
            record_activity(
                customer_id=customer_id,
                kind=ActivityKind.CONTACT_HOLD_RELEASED,
                params={"reason": HOLD_REASONS[kind]},
                actor=by,
                actor_label="" if by else "messaging",
                subject=hold,
            )
        if by is not None:
            audit(
                actor=by,
                action=AuditAction.CHANGE,
                obj=hold,
                customer_id=customer_id,
                fields=["released_at", "until"],
            )
        return hold


def _open_hold(customer_id: int, kind: str, reference: str) -> ContactHold | None:
    return ContactHold.objects.filter(
        customer_id=customer_id, kind=kind, reference=str(reference)[:64], released_at__isnull=True
    ).first()
