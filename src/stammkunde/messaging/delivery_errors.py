"""What a failed hand-over to the mail server means: try again later, or never (plain rules).

SMTP says it in the reply code: 4xx is temporary, 5xx permanent (RFC 5321). A connection that
drops or times out is temporary: the server did not confirm the message, so it did not take
responsibility for it, and sending again cannot double it. A 5xx refusal of the recipient is a
hard bounce: the address goes on the suppression list.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass

from stammkunde.core import error_reasons

# SMTP replies that mean the recipient's mailbox is full (RFC 5321: 452 and 552 storage).
MAILBOX_FULL_CODES = (452, 552)


@dataclass(frozen=True)
class DeliveryError:
    """A failed attempt: ``temporary`` ones are retried with backoff, the others fail."""

    temporary: bool
    text: str
    hard_bounce: bool = False
    # Why, as a code of core.error_reasons: staff read its sentence in their language.
    code: str = error_reasons.OTHER


def classify(error: BaseException) -> DeliveryError:
    """Tell a temporary failure from a permanent one, with a short text for staff."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        replies = "; ".join(
            f"{address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return DeliveryError(
            not permanent,
            f"recipient refused: {replies}",
            hard_bounce=permanent,
            code=_reason(codes),
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryError(True, f"connection lost: {error}")
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        text = f"{code} {_text(error.smtp_error)}"
        return DeliveryError(not 500 <= code < 600, text, code=_reason([code]))
    if isinstance(error, (socket.timeout, TimeoutError, ConnectionError, OSError)):
        return DeliveryError(True, f"connection failed: {error}")
    if isinstance(error, smtplib.SMTPException):
        return DeliveryError(True, f"SMTP error: {error}")
    status = getattr(error, "status_code", None)  # anymail's AnymailAPIError
    if isinstance(status, int):
        temporary = status >= 500 or status in (408, 429)
        return DeliveryError(temporary, f"ESP answered {status}: {str(error)[:300]}")
    return DeliveryError(False, f"{type(error).__name__}: {str(error)[:300]}")


def _text(reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return str(reply)


def backoff_seconds(attempts: int, *, base: int = 60, cap: int = 6 * 3600) -> int:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4 ... minutes, capped."""
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    return min(cap, base * 2 ** (attempts - 1))


def _reason(smtp_codes: list[int]) -> str:
    """The reason code of refusing SMTP replies: a full mailbox, or a refusal."""
    if smtp_codes and all(code in MAILBOX_FULL_CODES for code in smtp_codes):
        return error_reasons.MAILBOX_FULL
    return error_reasons.SMTP_REFUSED
