"""The demo's privacy requests: an Art. 15 export answered and an erasure that must wait for
an open order, so the privacy requests' page shows what it records. Written once."""

from __future__ import annotations

from django.contrib.auth.models import User

from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.models import PrivacyRequest, PrivacyRequestChannel
from stammkunde.customers.privacy.erasure import erasure_check, request_erasure
from stammkunde.customers.privacy.export import export_customer_data
from stammkunde.shop.models import Order


def ensure_privacy_demo() -> bool:
    """Record the two requests unless any privacy request exists; returns whether it did."""
    if PrivacyRequest.objects.exists():
        return False
    admin = User.objects.filter(username="admin").first()
    customer_ids = list(
        Order.objects.filter(customer__isnull=False)
        .order_by("-placed_at")
        .values_list("customer_id", flat=True)[:50]
    )
    if admin is None or not customer_ids:
        return False
    # Never erase a demo customer: only a request the open order holds back is recorded.
    # An erasure the shop cannot carry out yet: a customer whose newest order is still open.
    waiting = next((pk for pk in customer_ids if erasure_check(pk).obstacles), None)
    exported = next((pk for pk in reversed(customer_ids) if pk != waiting), None)
    with event_origin(Origin.DEMO):
        if exported is not None:
            export_customer_data(
                exported,
                by=admin,
                channel=PrivacyRequestChannel.STAFF,
                reference="Auskunftsersuchen per E-Mail",
            )
        if waiting is not None:
            request_erasure(
                waiting,
                by=admin,
                channel=PrivacyRequestChannel.STAFF,
                reference="Löschwunsch per E-Mail",
            )
    return True
