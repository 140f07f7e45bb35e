"""The plain data a macro or incident message is rendered with (messaging's documented
template variables), built from the customer, their order and the writing agent.

Every documented key is present, None where nothing is known: templates render with
StrictUndefined, and ``{% if order.tracking_url %}`` must work for an order not yet shipped.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from stammkunde.core.links import http_url
from stammkunde.customers.models import Customer
from stammkunde.messaging.salutation import Recipient, greeting_for, message_language
from stammkunde.messaging.template_variables import VARIABLES
from stammkunde.shop.models import Order


def _empty() -> dict[str, Any]:
    """Every documented variable with None (lists empty)."""
    context: dict[str, Any] = {}
    for variable in VARIABLES:
        parts = variable.path.split(".")
        if any(part.endswith("[]") for part in parts[:-1]) or parts[-1].endswith("[]"):
            continue  # list items: filled per item
        target = context
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = [] if isinstance(variable.example, list) else None
    return context


def order_data(order: Order) -> dict[str, Any]:
    """An order as template data: number, date, total, lines, carrier and tracking link."""
    shipment = order.shipments.order_by("-shipped_at").first()
    return {
        "number": order.number,
        "date": order.placed_at.date(),
        "total": order.total,
        "currency": order.currency,
        "lines": [
            {"name": line.name, "quantity": line.quantity, "price": line.unit_price}
            for line in order.lines.all()
        ],
        "carrier": shipment.carrier if shipment else None,
        # a shop's link, put into the customer's mail: only http(s), never javascript: or data:
        "tracking_url": (http_url(shipment.tracking_url) or None) if shipment else None,
    }


def reply_context(
    customer: Customer | None,
    *,
    order: Order | None = None,
    case: Any = None,
    sender: Any = None,
    voucher: Any = None,
) -> dict[str, Any]:
    """The template data for a reply to ``customer`` about ``order`` (both optional)."""
    context = _empty()
    recipient = Recipient(
        first_name=customer.first_name if customer else "",
        last_name=customer.last_name if customer else "",
        salutation=customer.salutation if customer else "",
        title=customer.title if customer else "",
        form_of_address=customer.form_of_address if customer else "formal",
        language=customer.language if customer else "",
        company=customer.company if customer else "",
    )
    greeting = greeting_for(recipient)
    context.update(greeting.as_context())
    context["language"] = message_language(customer.language if customer else "")
    if customer is not None:
        context["customer"].update(
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email or "",
        )
    if order is not None:
        context["order"].update(order_data(order))
    if case is not None:
        context["case"].update(reference=case.reference, subject=case.subject)
    if voucher is not None:
        context["voucher"].update(code=voucher.code, amount=voucher.amount)
    if sender is not None:
        context["sender"].update(name=sender.get_full_name() or sender.get_username(), role="")
    context["shop"].update(
        name=getattr(settings, "STAMMKUNDE_SHOP_NAME", "") or None,
        url=getattr(settings, "SITE_URL", None),
    )
    return context
