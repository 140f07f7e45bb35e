"""Staff notes and logged phone calls on the customer's timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Customer
from stammkunde.customers.services.errors import CustomerError
from stammkunde.timeline.models import Activity, ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

NOTE_MAX_LENGTH = 10_000


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CustomerError(_("The %(what)s is empty.") % {"what": what})
    if len(text) > NOTE_MAX_LENGTH:
        raise CustomerError(
            _("The %(what)s is longer than %(max)d characters.")
            % {"what": what, "max": NOTE_MAX_LENGTH}
        )
    return text


@transaction.atomic
def add_note(customer: Customer, *, by: Any, text: str) -> Activity:
    """Add an internal note to the customer's timeline.

    ``by`` is the staff user, or an object whose ``str()`` names the integration that wrote it.
    """
    text = _clean_text(text, what=_("note"))
    first_line = text.splitlines()[0]
    staff = getattr(by, "is_authenticated", False)
    activity = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        params={"text": first_line},
        body=text if text != first_line else "",
        actor=by,
        actor_label="" if staff or by is None else str(by)[:150],
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=activity, customer_id=customer.pk, detail="note")
    return activity


@transaction.atomic
def log_call(
    customer: Customer,
    *,
    by: Any,
    direction: Direction,
    summary: str,
    notes: str = "",
    duration_minutes: int | None = None,
    occurred_at: datetime | None = None,
) -> Activity:
    """Log a phone call with the customer (inbound or outbound) in the timeline."""
    summary = _clean_text(summary, what=_("call summary"))
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise CustomerError(_("A call is either inbound or outbound."))
    if duration_minutes is not None and not 0 <= duration_minutes <= 24 * 60:
        raise CustomerError(_("The call duration must be between 0 and 1440 minutes."))
    if occurred_at is not None and occurred_at > timezone.now() + timedelta(minutes=5):
        raise CustomerError(_("A call cannot be logged in the future."))
    activity = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CALL,
        channel=Channel.PHONE,
        direction=direction,
        params={"text": summary},
        body=notes.strip()[:NOTE_MAX_LENGTH],
        occurred_at=occurred_at,
        duration_seconds=duration_minutes * 60 if duration_minutes is not None else None,
        actor=by,
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=activity, customer_id=customer.pk, detail="call")
    return activity
