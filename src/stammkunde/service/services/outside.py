"""The service desk's calls into messaging: contact holds and the outbox (CONTRACTS.md).

Messaging sits below the service desk and never imports it; these are the only places where
the desk reaches into it, so a change of messaging's interface is adapted here once.
"""

from __future__ import annotations

from typing import Any

from stammkunde.messaging.governor_terms import HoldKind, Purpose
from stammkunde.messaging.services import holds
from stammkunde.messaging.services.outbox import Queued, queue_message

# A complaint keeps marketing and feedback requests away for 30 days after it is solved.
COMPLAINT_LINGER_DAYS = 30


def set_holds(*, customer_id: int, reference: str, complaint: bool, by: Any = None) -> None:
    """An open case holds back marketing; a complaint also sets the complaint hold."""
    holds.set_contact_hold(
        customer_id=customer_id, kind=HoldKind.OPEN_CASE, reference=reference, by=by
    )
    if complaint:
        holds.set_contact_hold(
            customer_id=customer_id, kind=HoldKind.COMPLAINT, reference=reference, by=by
        )


def release_holds(*, customer_id: int, reference: str, complaint: bool, by: Any = None) -> None:
    """Solving releases the case's holds; the complaint's lingers 30 days."""
    holds.release_contact_hold(
        customer_id=customer_id, kind=HoldKind.OPEN_CASE, reference=reference, by=by
    )
    if complaint:
        holds.release_contact_hold(
            customer_id=customer_id,
            kind=HoldKind.COMPLAINT,
            reference=reference,
            linger_days=COMPLAINT_LINGER_DAYS,
            by=by,
        )


def queue_reply(**fields: Any) -> Queued:
    """Queue a transactional message in messaging's outbox; returns its ``Queued`` result."""
    return queue_message(purpose=Purpose.TRANSACTIONAL, **fields)
