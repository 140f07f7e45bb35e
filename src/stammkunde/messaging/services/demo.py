"""Messages for the demo shop: some sent, some held back (no consent, an open case, the minimum
gap), two suppressed addresses. Written through queue_message like real mail and sent by the
worker's own drain to Django's in-memory backend (the demo has no mail server)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.models import Customer
from stammkunde.messaging.governor_terms import HoldKind, Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage
from stammkunde.messaging.services.holds import set_contact_hold
from stammkunde.messaging.services.outbox import queue_message
from stammkunde.messaging.services.sending import drain
from stammkunde.messaging.services.suppression import suppress_address

IN_MEMORY = "django.core.mail.backends.locmem.EmailBackend"
SENDER = ("Jana Berger", "jana.berger@kaffeeroesterei-sued.example")


def demo_messages_exist() -> bool:
    return OutboundMessage.objects.filter(source_type="demo").exists()


def write_demo_messages(customers: Sequence[Customer]) -> dict[str, int]:
    """Queue the demo's messages for ``customers`` and send them to the in-memory backend."""
    counts = _queue_demo_messages(customers)
    counts["sent"] = drain(backend=IN_MEMORY).sent
    return counts


@transaction.atomic
def _queue_demo_messages(customers: Sequence[Customer]) -> dict[str, int]:
    counts = {"sent": 0, "held_back": 0, "suppressed": 0}
    with event_origin(Origin.DEMO):
        for index, customer in enumerate(customers):
            if not customer.email:
                continue
            if index % 25 == 9:
                set_contact_hold(
                    customer_id=customer.pk, kind=HoldKind.OPEN_CASE, reference=f"VG-{9000 + index}"
                )
            if index in (3, 11):
                suppress_address(
                    address=customer.email,
                    reason="hard_bounce" if index == 3 else "complaint",
                    source="demo",
                )
                counts["suppressed"] += 1
            mails = [(Purpose.TRANSACTIONAL, "Ihre Bestellung ist unterwegs")]
            if index % 3 == 0:
                mails.append((Purpose.NEWSLETTER, "Neu geröstet: unser Herbstkaffee"))
                mails.append((Purpose.NEWSLETTER, "Nur diese Woche: Filterkaffee-Probierset"))
            for number, (purpose, subject) in enumerate(mails):
                queued = queue_message(
                    customer=customer,
                    to_address=customer.email,
                    purpose=purpose,
                    idempotency_key=f"demo:{customer.pk}:{number}",
                    subject=subject,
                    text=f"Hallo {customer.first_name},\n\n…\n\nHerzliche Grüße\n{SENDER[0]}",
                    from_name=SENDER[0],
                    from_address=SENDER[1],
                    source_type="demo",
                    source_id=str(customer.pk),
                )
                if queued.message is None:
                    counts["held_back"] += 1
                    continue
                if queued.message.state != MessageState.QUEUED:
                    # Delayed (quiet hours at the time the demo is made): the demo has no mail
                    # server to send it to later.
                    OutboundMessage.objects.filter(pk=queued.message.pk).update(
                        state=MessageState.CANCELLED, error="demo"
                    )
    return counts
