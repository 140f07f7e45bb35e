"""Double opt-in in the consent ledger: a request (what the customer asked for, in which
words, from where) and its confirmation (the click on the mailed link), kept as proof. The
grant itself is an ordinary consent event, written by ``services.record_consent``. Messaging
sends the confirmation mail and calls these."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentRequest,
    ConsentSource,
    Customer,
)
from stammkunde.customers.services.consent import record_consent
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.services import record_activity

# A request not confirmed within this time lapses (the confirmation link says so too).
CONFIRMATION_WINDOW = timedelta(days=7)


class ConsentRequestError(ValueError):
    """A confirmation that cannot be taken (already confirmed, lapsed); the text is for users."""


def _clip_ip(ip: str | None) -> str | None:
    return ip or None


@transaction.atomic
def request_consent(
    customer: Customer,
    *,
    purpose: str,
    wording_version: str,
    wording_text: str,
    source: str,
    channel: str = ConsentChannel.EMAIL,
    language: str = "",
    ip: str | None = None,
    user_agent: str = "",
    by: Any | None = None,
) -> ConsentRequest:
    """Record that the customer asked for ``purpose`` in these words (not yet a grant)."""
    purpose = ConsentPurpose(purpose)
    request = ConsentRequest.objects.create(
        customer=customer,
        channel=ConsentChannel(channel),
        purpose=purpose,
        wording_version=wording_version[:40],
        wording_text=wording_text,
        language=language[:8],
        source=source[:40],
        requested_at=timezone.now(),
        request_ip=_clip_ip(ip),
        request_user_agent=(user_agent or "")[:400],
    )
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CONSENT_ASKED,
        params={"purpose": purpose.value, "channel": request.channel},
        actor=by,
        actor_label="" if by else f"consent_source:{ConsentSource.CUSTOMER.value}",
        subject=request,
    )
    audit(actor=by, action=AuditAction.CREATE, obj=request, customer_id=customer.pk)
    return request


@transaction.atomic
def confirm_consent(
    request_id: int,
    *,
    ip: str | None,
    user_agent: str,
    at: datetime | None = None,
) -> ConsentEvent:
    """The customer confirmed (clicked the mailed link): grant the consent, keep the proof."""
    request = (
        ConsentRequest.objects.select_for_update().select_related("customer").get(pk=request_id)
    )
    now = at or timezone.now()
    if request.confirmed_at is not None:
        raise ConsentRequestError("This subscription was confirmed already.")
    if now - request.requested_at > CONFIRMATION_WINDOW:
        raise ConsentRequestError("This confirmation link has lapsed.")
    event = record_consent(
        request.customer,
        channel=request.channel,
        purpose=request.purpose,
        granted=True,
        source=ConsentSource.CUSTOMER,
        given_at=now,
        source_detail=f"double opt-in #{request.pk}",
    )
    request.confirmed_at = now
    request.confirm_ip = _clip_ip(ip)
    request.confirm_user_agent = (user_agent or "")[:400]
    request.consent_event = event
    request.save(
        update_fields=["confirmed_at", "confirm_ip", "confirm_user_agent", "consent_event"]
    )
    return event
