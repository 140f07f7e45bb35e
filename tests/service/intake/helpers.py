"""Store-and-process helpers of the intake tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from stammkunde.service.intake.processing import process_waiting
from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import InboundMail, InboundSource


def process_all() -> None:
    """Process until nothing is due (retries wait, so they stop the loop)."""
    for _ in range(1000):
        if not process_waiting().claimed:
            return


def file_raw(raw: bytes, *, source: str = InboundSource.RAW) -> InboundMail:
    """Store ``raw`` and process everything waiting; the mail as it ends up."""
    mail = store_inbound_mail(raw=raw, source=source).mail
    process_all()
    mail.refresh_from_db()
    return mail


def customer_mail(
    *,
    sender: str = "erika@example.de",
    name: str = "Erika Mustermann",
    subject: str = "Paket nicht angekommen",
    text: str = "Hallo, mein Paket ist nicht angekommen. Bestellung 10234",
    html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain customer message as bytes."""
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "service@shop.example"
    message["Subject"] = subject
    message["Date"] = "Thu, 03 Dec 2026 09:00:00 +0100"
    message["Message-ID"] = message_id or make_msgid(domain="example.de")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()
