"""What an ESP reports through django-anymail's tracking webhooks (``/anymail/<esp>/tracking/``,
secured by ``ANYMAIL["WEBHOOK_SECRET"]``): hard bounces, spam complaints and unsubscribes put
the address on the suppression list with the reason. Other events are ignored here."""

from __future__ import annotations

import logging
from typing import Any

from stammkunde.messaging.models import SuppressionReason

logger = logging.getLogger(__name__)

# anymail's normalized event types -> the suppression reason. "bounced" is a permanent
# bounce in anymail's vocabulary (a temporary one is "deferred"); "rejected" is the ESP
# refusing to send to a known-bad address.
SUPPRESSING_EVENTS = {
    "bounced": SuppressionReason.HARD_BOUNCE,
    "rejected": SuppressionReason.HARD_BOUNCE,
    "complained": SuppressionReason.COMPLAINT,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED_ALL,
}


def on_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's ``tracking`` signal: suppress the recipient of a bounce, complaint, unsubscribe."""
    from stammkunde.messaging.services.suppression import SuppressionError, suppress_address

    reason = SUPPRESSING_EVENTS.get(str(getattr(event, "event_type", "")))
    recipient = getattr(event, "recipient", None)
    if reason is None or not recipient or _temporary(event):
        return
    try:
        suppress_address(address=recipient, reason=reason, source=f"{esp_name} webhook"[:100])
    except SuppressionError:
        logger.warning("%s reported %s for an empty address", esp_name, event.event_type)


# Some ESPs' "bounced" includes temporary ones (Postmark's SoftBounce, a full mailbox): their
# raw type names it; those are no reason to stop mailing the address.
TEMPORARY_TYPES = frozenset({"softbounce", "transient", "dnserror", "autoresponder"})


def _temporary(event: Any) -> bool:
    raw = getattr(event, "esp_event", None)
    kind = raw.get("Type") or raw.get("bounceType") if isinstance(raw, dict) else None
    return str(kind or "").replace(" ", "").lower() in TEMPORARY_TYPES


def connect() -> None:
    from anymail.signals import tracking

    tracking.connect(on_tracking, dispatch_uid="stammkunde.messaging.esp_events")
