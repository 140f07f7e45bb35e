"""Optional DKIM signing (dkimpy) for shops that send through their own SMTP server.

Switched on by ``STAMMKUNDE_DKIM_SELECTOR`` with the private key in the data directory
(``dkim/<selector>.pem``, or ``STAMMKUNDE_DKIM_KEY_FILE``). The signature covers From, To,
Subject, Date, Message-ID, Reply-To, MIME headers and both List-Unsubscribe headers.
"""

from __future__ import annotations

from email.message import Message
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"In-Reply-To",
    b"References",
    b"MIME-Version",
    b"Content-Type",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
)


@lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(f"DKIM key {path} cannot be read: {error}") from None


def key_path() -> Path:
    configured = getattr(settings, "MESSAGING_DKIM_KEY_FILE", "")
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / "dkim" / f"{settings.MESSAGING_DKIM_SELECTOR}.pem"


def enabled() -> bool:
    return bool(getattr(settings, "MESSAGING_DKIM_SELECTOR", ""))


def sign_message(mime: Message) -> None:
    """Add a DKIM-Signature header to ``mime`` (in place) when DKIM is switched on."""
    if not enabled():
        return
    import dkim

    raw = mime.as_bytes(linesep="\r\n")
    present = {name.lower() for name in mime}
    include = [name for name in SIGNED_HEADERS if name.decode().lower() in present]
    domain = (getattr(settings, "MESSAGING_DKIM_DOMAIN", "") or settings.MAIL_DOMAIN).encode()
    signature = dkim.sign(
        raw,
        settings.MESSAGING_DKIM_SELECTOR.encode(),
        domain,
        _key(str(key_path())),
        include_headers=include,
        canonicalize=(b"relaxed", b"relaxed"),
    )
    name, _, value = signature.decode().partition(":")
    # Insert it first, as a signer on the way would.
    mime._headers.insert(0, (name, value.strip().replace("\r\n", "\n")))
