"""The service desk's calls into messaging: contact holds, the outbox and staff mail (CONTRACTS.md).

Messaging sits below the service desk and never imports it; these are the only places where
the desk reaches into it, so a change of messaging's interface is adapted here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

from stammkunde.logins.queries import in_language_of
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


def queue_staff_mail(
    people: Iterable[Any],
    *,
    compose: Callable[[Any], tuple[str, str]],
    idempotency_key: Callable[[Any], str],
    source_type: str,
    source_id: int,
) -> int:
    """Queue one transactional staff mail to each of ``people`` who has an address; returns
    how many were queued (the outbox skips a key it has seen). ``compose(person)`` gives the
    subject and text and runs in the reader's language, so each reads the mail in their own.
    The caller picks the people, and only those who may see the customer
    (``staff_scope.who_may_see``): the mail names and links what their pages would show."""
    from_name = getattr(settings, "MESSAGING_FROM_NAME", "") or "Stammkunde"
    queued = 0
    for person in people:
        if not person.email:
            continue
        with in_language_of(person):
            subject, text = compose(person)
        result = queue_reply(
            customer=None,
            to_address=person.email,
            idempotency_key=idempotency_key(person),
            subject=subject,
            text=text,
            from_name=from_name,
            from_address=settings.DEFAULT_FROM_EMAIL,
            source_type=source_type,
            source_id=source_id,
        )
        queued += result.message is not None
    return queued
