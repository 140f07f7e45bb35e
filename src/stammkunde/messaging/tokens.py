"""Signed, expiring tokens for the links in mails: unsubscribe, confirm a subscription, the
preference centre. A token says nothing readable about whose it is (the payload holds ids
only, signed with the secret key and a salt per kind); checking one that is forged, expired
or of another kind raises :class:`TokenError` with the same text for all three."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core import signing

# How long a link works. An unsubscribe link must still work when an old mail is found again;
# a confirmation is asked for now; the preference centre link comes in every mail.
MAX_AGE_SECONDS = {
    "unsubscribe": 365 * 24 * 3600,
    "confirm": 7 * 24 * 3600,
    "preferences": 90 * 24 * 3600,
    # A campaign's counted link (campaign and target only: clicks are counted per campaign,
    # never per person).
    "click": 365 * 24 * 3600,
}


class TokenError(ValueError):
    """The token is not valid (forged, expired, or not for this); never says which or whose."""


def make_token(kind: str, payload: dict[str, Any]) -> str:
    """A URL-safe signed token of ``kind`` carrying ``payload`` (ids, never addresses)."""
    if kind not in MAX_AGE_SECONDS:
        raise ValueError(f"unknown token kind {kind!r}")
    # Only a click token (it carries a link target) is worth compressing: ids compress to
    # nothing shorter (signing then keeps them as they are), and asking zlib cost every
    # marketing mail two calls for nothing. Compressed tokens of earlier mails still read.
    return signing.dumps(payload, salt=f"stammkunde.messaging.{kind}", compress=kind == "click")


def read_token(kind: str, token: str) -> dict[str, Any]:
    """The payload of a valid token of ``kind``; :class:`TokenError` otherwise."""
    if kind not in MAX_AGE_SECONDS:
        raise ValueError(f"unknown token kind {kind!r}")
    try:
        payload = signing.loads(
            token or "", salt=f"stammkunde.messaging.{kind}", max_age=MAX_AGE_SECONDS[kind]
        )
    except (signing.BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        raise TokenError("This link is not valid (any more).") from None
    if not isinstance(payload, dict):
        raise TokenError("This link is not valid (any more).")
    return payload


def token_digest(token: str) -> str:
    """What is stored of a used token (to refuse a replay): its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()
