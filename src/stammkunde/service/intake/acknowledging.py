"""Our automatic acknowledgement of a new case (off unless STAMMKUNDE_INBOUND_ACKNOWLEDGE).

RFC 3834: it carries ``Auto-Submitted: auto-replied``, goes to one sender at most once in
``STAMMKUNDE_INBOUND_ACKNOWLEDGE_DAYS`` (7), and never to automatic mail (the caller only
acknowledges mail a person wrote). It leaves through messaging's outbox like every mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from stammkunde.core.keys import normalize_email
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.service.models import SenderAcknowledgement
from stammkunde.service.services.case_common import is_restricted


def acknowledge(case: Any, *, to_address: str, in_reply_to: str, now: datetime) -> bool:
    """Queue the acknowledgement of ``case`` unless this sender had one recently."""
    if not settings.INBOUND_ACKNOWLEDGE or is_restricted(case):
        return False
    address = normalize_email(to_address)
    if not address:
        return False
    window = timedelta(days=settings.INBOUND_ACKNOWLEDGE_DAYS)
    last = SenderAcknowledgement.objects.select_for_update().filter(address=address).first()
    if last is not None and now - last.acknowledged_at < window:
        return False
    with override(getattr(case.customer, "language", "de") or "de"):
        subject = _("We received your message [%(reference)s]") % {"reference": case.reference}
        text = _(
            "Thank you for your message. We filed it as %(reference)s and will answer as "
            "soon as we can. Please keep the reference in the subject when you write again."
        ) % {"reference": case.reference}
    queue_message(
        customer=case.customer,
        to_address=address,
        purpose=Purpose.TRANSACTIONAL,
        idempotency_key=f"case-ack:{case.pk}",
        subject=subject,
        text=text,
        from_name=getattr(settings, "MESSAGING_FROM_NAME", "") or "",
        from_address=settings.DEFAULT_FROM_EMAIL,
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
        in_reply_to=in_reply_to,
        source_type="case",
        source_id=case.pk,
    )
    SenderAcknowledgement.objects.update_or_create(
        address=address, defaults={"acknowledged_at": now}
    )
    return True
