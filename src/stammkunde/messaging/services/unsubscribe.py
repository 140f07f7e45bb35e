"""One-click unsubscribe (RFC 8058): the token in a mail's List-Unsubscribe header (and its
visible link) withdraws the consent the mail was sent on, at once. Consent is written by
``customers``; an address without a customer goes on the suppression list."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from stammkunde.customers.models import ConsentChannel, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import OutboundMessage, UsedToken
from stammkunde.messaging.services.suppression import suppress_address
from stammkunde.messaging.tokens import TokenError, read_token, token_digest


class TokenUsed(TokenError):
    """The link was used before (a replay): refused, without saying whose it was."""


@dataclass(frozen=True)
class Unsubscribed:
    purpose: str


def check_unsubscribe_token(token: str) -> OutboundMessage:
    """The message a valid, unused unsubscribe token belongs to; TokenError otherwise."""
    payload = read_token("unsubscribe", token)
    message = OutboundMessage.objects.filter(pk=payload.get("m")).first()
    if message is None or message.purpose == Purpose.TRANSACTIONAL:
        raise TokenError("This link is not valid (any more).")
    if UsedToken.objects.filter(digest=token_digest(token)).exists():
        raise TokenUsed("This link was used already.")
    return message


def unsubscribe(token: str) -> Unsubscribed:
    """Withdraw the consent the token's mail was sent on (or suppress the address). Refuses a
    forged, expired or used token with TokenError."""
    message = check_unsubscribe_token(token)
    try:
        with transaction.atomic():
            UsedToken.objects.create(digest=token_digest(token), kind="unsubscribe")
            if message.customer_id is not None:
                record_consent(
                    message.customer,
                    channel=ConsentChannel.EMAIL,
                    purpose=message.purpose,
                    granted=False,
                    source=ConsentSource.CUSTOMER,
                    source_detail="one-click unsubscribe",
                )
            else:
                suppress_address(
                    address=message.to_address,
                    reason="unsubscribed_all",
                    source="one-click unsubscribe",
                    message=message,
                )
    except IntegrityError:
        raise TokenUsed("This link was used already.") from None
    return Unsubscribed(purpose=message.purpose)
