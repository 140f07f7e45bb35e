"""The consent ledger's writes: a grant or withdrawal, and one a customer told staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.customers.events import consent_changed
from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
)
from stammkunde.customers.services.errors import CustomerError, require_changeable
from stammkunde.customers.shop_data import consent_params
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity


@transaction.atomic
def record_consent(
    customer: Customer,
    *,
    channel: ConsentChannel,
    purpose: ConsentPurpose,
    granted: bool,
    source: ConsentSource,
    given_at: datetime | None = None,
    source_detail: str = "",
    by: Any | None = None,
) -> ConsentEvent:
    """Append a grant or withdrawal of consent to the customer's consent ledger."""
    event = ConsentEvent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        source_detail=source_detail[:200],
        given_at=given_at or timezone.now(),
    )
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CONSENT_CHANGED,
        params=consent_params(event),
        occurred_at=event.given_at,
        actor=by,
        actor_label=source_detail or f"consent_source:{ConsentSource(source).value}",
        subject=event,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=event, customer_id=customer.pk, fields=["consent"]
    )
    publish(consent_changed(event))
    return event


# How a customer may tell staff about consent: on the phone, or otherwise (letter, in person).
STAFF_CONSENT_SOURCES = (ConsentSource.PHONE, ConsentSource.STAFF)


def record_staff_consent(
    customer: Customer,
    *,
    by: Any,
    channel: str,
    purpose: str,
    granted: bool,
    source: str = ConsentSource.PHONE,
) -> ConsentEvent:
    """Record a grant or an opt-out a customer gave to a staff member (``by``), e.g. on the
    phone: the ledger entry names the source and the agent (``source_detail``); timeline entry,
    audit row and event as every consent change (``record_consent``)."""
    require_changeable(customer)
    if source not in STAFF_CONSENT_SOURCES:
        raise CustomerError(_("Choose how the customer told you."))
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values:
        raise CustomerError(_("Choose a channel and a purpose."))
    agent = (by.get_full_name() or by.get_username()) if by is not None else ""
    return record_consent(
        customer,
        channel=ConsentChannel(channel),
        purpose=ConsentPurpose(purpose),
        granted=granted,
        source=ConsentSource(source),
        source_detail=agent,
        by=by,
    )
