"""Timeline entries of data protection: a request a shop passed on, a restriction of processing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from stammkunde.customers.models import Customer
from stammkunde.timeline.models import Activity, ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity


def record_privacy_request(
    customer: Customer,
    *,
    request: str,
    shop_name: str,
    orders: Sequence[str] = (),
    occurred_at: datetime,
    actor_label: str,
    dedupe_key: str,
) -> Activity:
    """Note on the customer's timeline a data protection request a shop passed on (``request``:
    data_request, customer_redact or shop_redact, with the orders it names); once per
    ``dedupe_key``, so a redelivered request adds none."""
    params: dict[str, Any] = {"request": request, "shop": shop_name}
    if orders:
        params["orders"] = [str(number) for number in orders]
    return record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.PRIVACY_REQUEST,
        channel=Channel.SHOP,
        direction=Direction.INBOUND,
        params=params,
        occurred_at=occurred_at,
        actor_label=actor_label,
        dedupe_key=dedupe_key,
    )


def record_restriction_change(
    customer: Customer, *, restricted: bool, reason: str = "", by: Any
) -> Activity:
    """Note on the customer's timeline that processing was restricted (Art. 18 GDPR, with the
    reason) or that the restriction was lifted. Called by ``customers.privacy.restriction``
    inside its transaction."""
    params: dict[str, Any] = {"state": "set" if restricted else "lifted"}
    if restricted and reason:
        params["reason"] = reason
    return record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.PROCESSING_RESTRICTED,
        channel=Channel.INTERNAL,
        direction=Direction.INTERNAL,
        params=params,
        occurred_at=timezone.now(),
        actor=by,
    )
