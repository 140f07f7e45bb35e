"""Why a work item failed, stored as a code and told in the reader's language (issue 15).

A failure is written once (by a worker, in no particular language) and read later by staff in
theirs. So the writer stores a reason code beside the technical text, and the staff page renders
the code's sentence at display time; an unknown or empty code shows the technical text as it is.
"""

from __future__ import annotations

from email.errors import MessageError

from django.db import DatabaseError, OperationalError
from django.utils.translation import gettext_lazy as _

PAYLOAD_INVALID = "payload_invalid"
SIGNATURE = "signature"
UNKNOWN_SHOP = "unknown_shop"
DATABASE_TEMPORARY = "database_temporary"
SMTP_REFUSED = "smtp_refused"
MAILBOX_FULL = "mailbox_full"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
PARSE_FAILURE = "parse_failure"
UNCERTAIN_HANDOVER = "uncertain_handover"
HELD_BACK = "held_back"
OTHER = "other"

REASON_SENTENCES = {
    PAYLOAD_INVALID: _("The data sent does not have the expected form."),
    SIGNATURE: _("The signature is missing or wrong."),
    UNKNOWN_SHOP: _("The shop is unknown."),
    DATABASE_TEMPORARY: _("The database was briefly unavailable; it is tried again."),
    SMTP_REFUSED: _("The mail server refused the message."),
    MAILBOX_FULL: _("The recipient's mailbox is full."),
    ATTACHMENT_TOO_LARGE: _("An attachment is too large."),
    PARSE_FAILURE: _("The message could not be read."),
    UNCERTAIN_HANDOVER: _(
        "The worker stopped while handing the message over; it may or may not have gone out."
    ),
    HELD_BACK: _(
        "Held back before sending (consent, suppression list or contact pressure); the "
        "customer's messages say why."
    ),
    OTHER: _("Unexpected error."),
}


def reason_of(exc: BaseException) -> str:
    """The reason code of an exception a worker caught (OTHER when none fits)."""
    if isinstance(exc, OperationalError):
        return DATABASE_TEMPORARY
    if isinstance(exc, DatabaseError):
        return OTHER
    if isinstance(exc, (MessageError, UnicodeError)):
        return PARSE_FAILURE
    if isinstance(exc, (ValueError, KeyError)):
        return PAYLOAD_INVALID
    return OTHER


def reason_sentence(code: str, technical: str = "") -> str:
    """The sentence for ``code`` in the active language; with OTHER the technical detail
    follows it, and an unknown or empty code shows the technical text alone."""
    sentence = REASON_SENTENCES.get(code or "")
    if sentence is None:
        return technical
    if code == OTHER and technical:
        return _("%(reason)s (%(detail)s)") % {"reason": sentence, "detail": technical}
    return str(sentence)
