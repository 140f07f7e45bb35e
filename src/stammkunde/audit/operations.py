"""Operations staff run on the machinery itself, each with its audit row.

``core`` sits below the audit log and cannot write it, so the audited entry points of its
admin actions live here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.event_delivery import redeliver
from stammkunde.core.models import EventDelivery


@transaction.atomic
def redeliver_event(delivery: EventDelivery, *, by: Any) -> EventDelivery:
    """Deliver a stored event to one subscriber again (after a fix), with fresh attempts.

    Raises ValueError when the delivery is waiting for its next attempt already.
    """
    delivery = redeliver(delivery)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=delivery,
        fields=["state"],
        detail=f"redeliver event #{delivery.event_id} to {delivery.subscriber}"[:500],
    )
    return delivery
