"""The outbox's MIME building: its remembered header folding and preset boundaries give the
bytes the standard library's own policy gives."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.policy import compat32

from stammkunde.messaging.composing import SignedEmail

LONG_SUBJECT = "Neu aus der Rösterei: ein Betreff, der über mehr als eine Zeile gefaltet wird " * 2


def email(to: str, subject: str = LONG_SUBJECT) -> SignedEmail:
    mail = SignedEmail(
        subject=subject,
        body="Hallo Anna,\n\nneu bei uns: Sidamo aus Äthiopien.\n",
        from_email="Jana Bergér <jana@shop.example>",
        to=[to],
        headers={"Message-ID": f"<{to}>", "Date": "Thu, 03 Dec 2026 19:00:00 -0000"},
    )
    mail.attach_alternative("<p>neu bei uns: Sidamo aus Äthiopien.</p>", "text/html")
    return mail


def test_folded_headers_are_the_standard_librarys_for_every_mail():
    for to in ("anna@example.org", "ben@example.org", "anna@example.org"):
        mime = email(to).message()
        remembered = mime.as_bytes(linesep="\r\n")
        mime.policy = compat32
        assert remembered == mime.as_bytes(linesep="\r\n")
    # Another subject on the same lines is folded anew, not taken from the one before.
    assert b"Kaffee" in email("anna@example.org", "Kaffee " * 20).message().as_bytes()


def test_each_mail_has_its_own_boundary_and_both_parts():
    first, second = (email(to).message() for to in ("anna@example.org", "ben@example.org"))
    assert first.get_boundary() != second.get_boundary()
    parsed = message_from_bytes(first.as_bytes(linesep="\r\n"), policy=policy.default)
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert "Äthiopien" in parsed.get_body(("html",)).get_content()
