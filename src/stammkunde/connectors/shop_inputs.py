"""From normalized shop events to the inputs of the shop services (both ways of applying)."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from stammkunde.connectors import normalized as ev
from stammkunde.core.keys import normalize_email
from stammkunde.shop.models import Order, OrderStatus, Shop
from stammkunde.shop.services import LineInput, OrderInput

# Fulfilment progress: a late "paid" never moves a delivered order back.
PROGRESS = {
    OrderStatus.PLACED: 0,
    OrderStatus.PAID: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.DELIVERED: 3,
}


@functools.lru_cache(maxsize=65_536)
def valid_email(email: str) -> str:
    """The normalized address, or empty when it is no address (the order is kept anyway).

    Cached: a batch asks for the same buyer's address several times, and Django's validator
    is a long regular expression.
    """
    email = normalize_email(email) or ""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def effective_status(existing: Order | None, status: str) -> OrderStatus:
    """The status to keep: the shop's, except that fulfilment never moves backwards."""
    if existing is not None and PROGRESS.get(existing.status, -1) > PROGRESS.get(status, 99):
        return OrderStatus(existing.status)
    return OrderStatus(status)


def order_input_for(shop: Shop, event: ev.OrderUpserted, status: OrderStatus) -> OrderInput:
    """The shop service's input for an order event."""
    return OrderInput(
        external_id=event.external_id,
        placed_at=event.placed_at,
        lines=[
            LineInput(
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                sku=line.sku,
                total=line.total,
                external_id=line.external_id,
            )
            for line in event.lines
        ],
        number=event.number,
        currency=event.currency or shop.currency,
        email=valid_email(event.email),
        status=status,
        shipping_total=event.shipping_total,
        discount_total=event.discount_total,
        discount_codes=event.discount_codes,
        tax_total=event.tax_total,
        total=event.total,
        is_test=event.is_test,
        source_updated_at=event.updated_at,
        billing_address=event.billing_address,
        shipping_address=event.shipping_address,
    )
