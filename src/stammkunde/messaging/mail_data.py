"""The plain data a mail is rendered from, read from the customer, the order and the event.

Templates never see model objects (``rendering``): these reads turn rows into dicts with every
documented key of ``template_variables`` (None where a value is unknown, so that
``{% if order.tracking_url %}`` works under StrictUndefined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from stammkunde.core.links import http_url
from stammkunde.customers.models import Customer
from stammkunde.messaging.salutation import Greeting, Recipient, greeting_for, message_language
from stammkunde.shop.models import Order, Shipment


@dataclass(frozen=True)
class Sender:
    """The named person a mail comes from."""

    name: str
    address: str
    role: str = ""
    reply_to: str = ""

    @property
    def header(self) -> str:
        return f"{self.name} <{self.address}>"


@dataclass
class MailData:
    """A mail's context and what the personal check needs to know about it."""

    context: dict[str, Any]
    greeting: Greeting
    language: str
    order_number: str | None = None
    product_names: list[str] = field(default_factory=list)
    shop_name: str = ""


def recipient_of(customer: Customer) -> Recipient:
    return Recipient(
        first_name=customer.first_name,
        last_name=customer.last_name,
        salutation=customer.salutation,
        title=customer.title,
        form_of_address=customer.form_of_address,
        language=customer.language,
        company=customer.company,
    )


def empty_order() -> dict[str, Any]:
    return {
        "number": None,
        "date": None,
        "total": None,
        "currency": None,
        "lines": [],
        "carrier": None,
        "tracking_url": None,
    }


def order_data(order: Order, shipment_id: int | None = None) -> dict[str, Any]:
    """An order as template data: number, date, total, lines, and its parcel if it has one."""
    shipments = Shipment.objects.filter(order_id=order.pk)
    if shipment_id:
        shipments = shipments.filter(pk=shipment_id)
    shipment = shipments.order_by("-shipped_at").first()
    lines = [
        {"name": line.name, "quantity": line.quantity, "price": line.unit_price}
        for line in order.lines.order_by("line_number")
    ]
    return {
        "number": order.number,
        "date": order.placed_at.date(),
        "total": order.total,
        "currency": order.currency,
        "lines": lines,
        "carrier": (shipment.carrier or None) if shipment else None,
        # a shop's link, put into the customer's mail: only http(s), never javascript: or data:
        "tracking_url": (http_url(shipment.tracking_url) or None) if shipment else None,
    }


def shop_data(shop_name: str = "") -> dict[str, Any]:
    return {
        "name": shop_name or getattr(settings, "MESSAGING_SHOP_NAME", "") or None,
        "url": getattr(settings, "MESSAGING_SHOP_URL", "") or None,
        "phone": getattr(settings, "MESSAGING_SHOP_PHONE", "") or None,
    }


def mail_data(
    *,
    customer: Customer,
    sender: Sender,
    order: Order | None = None,
    shipment_id: int | None = None,
    case: dict[str, Any] | None = None,
    language: str | None = None,
    unsubscribe_url: str | None = None,
    preferences_url: str | None = None,
) -> MailData:
    """Everything a template may use, for this customer (and order, case) from this sender.

    ``language`` overrides the customer's (the editor previews both languages).
    """
    recipient = recipient_of(customer)
    if language:
        recipient = Recipient(**{**recipient.__dict__, "language": language})
    greeting = greeting_for(recipient)
    lang = message_language(recipient.language)
    order_values = order_data(order, shipment_id) if order is not None else empty_order()
    shop_name = order.shop.name if order is not None else ""
    context = {
        **greeting.as_context(),
        "customer": {
            "first_name": customer.first_name or None,
            "last_name": customer.last_name or None,
            "email": customer.email or None,
        },
        "order": order_values,
        "case": {
            "reference": (case or {}).get("reference"),
            "subject": (case or {}).get("subject"),
        },
        "voucher": {"code": None, "amount": None},
        "sender": {"name": sender.name, "role": sender.role or None},
        "shop": shop_data(shop_name),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }
    return MailData(
        context=context,
        greeting=greeting,
        language=lang,
        order_number=order.number if order is not None else None,
        product_names=[line["name"] for line in order_values["lines"]],
        shop_name=context["shop"]["name"] or "",
    )
