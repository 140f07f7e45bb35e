"""The demo's mail: a few hundred customers get sent and held-back messages and two addresses
are suppressed, written by messaging (``messaging.services.demo``); run once."""

from __future__ import annotations

from stammkunde.customers.models import Customer
from stammkunde.messaging.services.demo import demo_messages_exist, write_demo_messages

DEMO_CUSTOMERS = 300


def ensure_messaging_demo(count: int = DEMO_CUSTOMERS) -> dict[str, int] | None:
    """Write the demo's messages unless they exist; the counts written, or None."""
    if demo_messages_exist():
        return None
    customers = list(Customer.objects.exclude(email=None).order_by("id")[:count])
    return write_demo_messages(customers)
