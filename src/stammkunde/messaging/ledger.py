"""What the governor needs to know about one customer, read from messaging's own tables.

The ledger is one across every purpose: the messages that went out or are about to
(``OutboundMessage`` in a contact state), the contact holds the service desk set, and the
customer's lifecycle from the nightly scores. ``governor.decide`` does the rest.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Q

from stammkunde.messaging import governor
from stammkunde.messaging.governor_terms import PROMOTIONAL, Lifecycle
from stammkunde.messaging.models import ContactHold, OutboundMessage
from stammkunde.messaging.models.outbox import CONTACT_STATES

# How far back the ledger reads: the longest window any rule looks at (former customers).
LOOKBACK = timedelta(days=120)

# RFM segments that mean the customer has drifted away or is gone (analytics.rfm).
INACTIVE_SEGMENTS = frozenset({"hibernating", "at_risk", "about_to_sleep", "cant_lose"})
FORMER_SEGMENTS = frozenset({"lost"})


def governor_settings() -> governor.GovernorSettings:
    """The governor's limits: the restrained defaults, with ``MESSAGING_GOVERNOR`` overrides."""
    overrides = dict(getattr(settings, "MESSAGING_GOVERNOR", {}) or {})
    for name in ("quiet_hours_start", "quiet_hours_end"):
        if isinstance(overrides.get(name), str):
            overrides[name] = time.fromisoformat(overrides[name])
    return governor.GovernorSettings(**overrides)


def recent_sends(customer_id: int, at: datetime) -> list[governor.PastSend]:
    """The customer's promotional messages of the look-back period, sent or about to be."""
    rows = OutboundMessage.objects.filter(
        customer_id=customer_id,
        purpose__in=[str(purpose) for purpose in PROMOTIONAL],
        state__in=CONTACT_STATES,
        created_at__gte=at - LOOKBACK,
    ).values_list("purpose", "sent_at", "next_attempt_at", "created_at", "order_id")
    sends = []
    for purpose, sent_at, next_attempt_at, created_at, order_id in rows:
        # A message not sent yet counts from when it is due: it is contact about to happen.
        moment = sent_at or next_attempt_at or created_at
        sends.append(governor.PastSend(purpose=purpose, sent_at=moment, order_id=order_id or None))
    return sends


def holds(customer_id: int, at: datetime) -> list[governor.ContactHold]:
    """The customer's contact holds that still count: open ones and recently released ones."""
    settings_ = governor_settings()
    since = at - settings_.complaint_quiet_period
    rows = ContactHold.objects.filter(customer_id=customer_id).filter(
        Q(until__isnull=True) | Q(until__gte=since) | Q(since__gte=since)
    )
    return [
        governor.ContactHold(kind=row.kind, started_at=row.since, released_at=row.until)
        for row in rows
    ]


def lifecycle(customer_id: int) -> Lifecycle:
    """Active, inactive or former, from the nightly RFM segment (active when unscored)."""
    from stammkunde.analytics.models import CustomerScore

    segment = (
        CustomerScore.objects.filter(customer_id=customer_id)
        .values_list("rfm_segment", flat=True)
        .first()
    )
    if segment in FORMER_SEGMENTS:
        return Lifecycle.FORMER
    if segment in INACTIVE_SEGMENTS:
        return Lifecycle.INACTIVE
    return Lifecycle.ACTIVE


def send_request(
    customer_id: int | None, purpose: str, at: datetime, order_id: str | None = None
) -> governor.SendRequest:
    """The governor's question for one message to one customer at ``at``."""
    if customer_id is None:
        return governor.SendRequest(purpose=purpose, at=at, order_id=order_id)
    return governor.SendRequest(
        purpose=purpose,
        at=at,
        recent_sends=recent_sends(customer_id, at),
        holds=holds(customer_id, at),
        lifecycle=lifecycle(customer_id),
        time_zone=settings.TIME_ZONE,
        order_id=order_id,
    )
