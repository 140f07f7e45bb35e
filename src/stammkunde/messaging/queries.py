"""Reads of messaging's tables for views, the service desk and the worker."""

from __future__ import annotations

from stammkunde.messaging.models import OutboundMessage


def message_by_message_id(message_id: str) -> OutboundMessage | None:
    """The outbound message with this Message-ID (with or without angle brackets), or None.

    The service desk threads replies and matches bounces with it.
    """
    value = (message_id or "").strip()
    if not value:
        return None
    if not value.startswith("<"):
        value = f"<{value}>"
    return OutboundMessage.objects.filter(message_id=value).first()
