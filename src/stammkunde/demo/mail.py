"""A few inbound mails for the demo shop, stored raw and processed like real ones: a missing
parcel naming its order, a broken grinder, and an out-of-office reply (kept, never answered).
All come from demo customers, so the demo's customer count stays what was asked for."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from stammkunde.service.intake.processing import process_waiting
from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import InboundSource
from stammkunde.shop.models import Order, OrderStatus


def _message(sender: str, name: str, subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = "service@shop.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    for key, value in headers.items():
        message[key] = value
    message.set_content(text)
    return message.as_bytes()


def demo_mails() -> list[bytes]:
    """The demo's messages, written for customers of the demo shop (two with orders)."""
    with_email = Order.objects.select_related("customer").filter(customer__email__isnull=False)
    latest = with_email.order_by("-placed_at")
    # The missing parcel is one on its way (else one the carrier calls delivered), so that its
    # case shows the tracking link; the broken grinder came with a delivered order.
    tracked = latest.filter(shipments__tracking_url__gt="")
    parcel = tracked.filter(status=OrderStatus.SHIPPED).first() or tracked.first() or latest.first()
    others = latest.exclude(pk=parcel.pk) if parcel else latest
    grinder = others.filter(status=OrderStatus.DELIVERED).first() or others.first()
    orders = [order for order in (parcel, grinder) if order is not None]
    mails = []
    if orders:
        first = orders[0]
        mails.append(
            _message(
                first.customer.email,
                first.customer.display_name,
                f"Paket nicht angekommen, Bestellung {first.number}",
                "Guten Tag,\n\nmein Paket ist immer noch nicht angekommen. "
                f"Bestellung {first.number}. Können Sie bitte nachsehen?\n\n"
                f"Viele Grüße\n{first.customer.display_name}\n\nVon meinem iPhone gesendet\n",
            )
        )
    if len(orders) > 1:
        second = orders[1]
        mails.append(
            _message(
                second.customer.email,
                second.customer.display_name,
                "Mühle defekt",
                "Hallo,\n\ndie Mühle aus meiner Bestellung "
                f"{second.number} mahlt nicht mehr. Was kann ich tun?\n\n"
                "-----Ursprüngliche Nachricht-----\nVon: Shop\nIhre Bestellung wurde versandt.\n",
            )
        )
    mails.append(
        _message(
            "urlaub@example.org",
            "",
            "Abwesenheitsnotiz: Ihre Bestellung",
            "Ich bin bis zum 10. im Urlaub.\n",
            **{"Auto-Submitted": "auto-replied"},
        )
    )
    return mails


def file_demo_mails() -> int:
    """Store and process the demo's mails; how many were stored."""
    mails = demo_mails()
    for data in mails:
        store_inbound_mail(raw=data, source=InboundSource.RAW)
    while process_waiting().claimed:
        pass
    return len(mails)
