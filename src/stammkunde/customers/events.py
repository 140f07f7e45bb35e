"""Domain events the customers app publishes (consent changes, merges); messaging subscribes.

A mail subscriber must not act on a consent it has not seen: ``ConsentChanged`` tells it the
moment a customer opted in or out (``occurred_at`` is when the customer gave or withdrew it),
and ``CustomersMerged`` that the merged customer's id now means the survivor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stammkunde.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(DomainEvent):
    customer_id: int
    consent_event_id: int
    channel: str
    purpose: str
    granted: bool
    # Who said so (ConsentSource: the customer, staff, the shop, an import).
    source: str


@dataclass(frozen=True, kw_only=True)
class CustomersMerged(DomainEvent):
    survivor_id: int
    merged_id: int


@dataclass(frozen=True, kw_only=True)
class CustomerErased(DomainEvent):
    """A customer's personal data was erased (Art. 17 GDPR); whatever is kept is restricted
    (Art. 18): no messages, no lists, no segments."""

    customer_id: int
    privacy_request_id: int


def consent_changed(event: Any) -> ConsentChanged:
    """The domain event of one new entry of the consent ledger (a ``ConsentEvent`` row)."""
    return ConsentChanged(
        customer_id=event.customer_id,
        consent_event_id=event.pk,
        channel=event.channel,
        purpose=event.purpose,
        granted=event.granted,
        source=event.source,
        occurred_at=event.given_at,
    )
