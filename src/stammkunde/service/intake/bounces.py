"""What a bounce says: which message came back, for which recipient, and whether for good.

Standard delivery reports (RFC 3464) carry ``Final-Recipient``, ``Action`` and ``Status``
fields and the returned message or its headers; the older plain-text bounces of Exim, qmail,
Domino and GMX quote the SMTP answer and the original inline. Both are read here: the status
code (5.x.x permanent, 4.x.x temporary; "mailbox full" counts as temporary, the box may be
emptied), the failed address, and the Message-ID of the message that was returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stammkunde.service.intake.mime import ParsedMail

_STATUS = re.compile(r"^\s*Status:\s*([245])\.(\d{1,3})\.(\d{1,3})", re.IGNORECASE | re.MULTILINE)
_ACTION = re.compile(r"^\s*Action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)
_RECIPIENT = re.compile(
    r"^\s*(?:Final|Original)-Recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?",
    re.IGNORECASE | re.MULTILINE,
)
_TEXT_CODE = re.compile(r"\b([45])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d[ -]")
_MESSAGE_ID = re.compile(r"^\s*Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)
_ADDRESS_IN_TEXT = re.compile(r"<?([A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_TEMPORARY_WORDS = re.compile(
    r"delay|not yet been delivered|will retry|still trying|temporar|vorübergehend|"
    r"nicht abgeschlossen|mailbox full|over quota|quota exceeded",
    re.IGNORECASE,
)
_PERMANENT_WORDS = re.compile(
    r"user unknown|unknown user|no such user|does not exist|not listed|recipient not found|"
    r"address rejected|invalid recipient|mailbox unavailable|unable to relay|"
    r"permanent(ly)? fail|failed permanently|permanent error|unbekannt|existiert nicht",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BounceReport:
    """What came back: ``permanent`` decides whether the address is suppressed."""

    permanent: bool
    status: str
    recipients: tuple[str, ...]
    original_message_id: str


def read_bounce(mail: ParsedMail) -> BounceReport:
    """Read the report of a message classified as a bounce."""
    report = mail.report_status
    status_match = _STATUS.search(report) or _TEXT_CODE.search(mail.text)
    status = ".".join(status_match.groups()) if status_match else ""
    action = _ACTION.search(report)
    recipients = tuple(dict.fromkeys(address.lower() for address in _RECIPIENT.findall(report)))
    if not recipients and mail.header("x-failed-recipients"):
        recipients = tuple(
            address.strip().lower()
            for address in mail.header("x-failed-recipients").split(",")
            if "@" in address
        )
    if not recipients:
        recipients = _recipients_from_text(mail.text)
    original = _MESSAGE_ID.search(mail.returned_headers) or _MESSAGE_ID.search(mail.text)
    original_id = original.group(1) if original else mail.in_reply_to
    return BounceReport(
        permanent=_is_permanent(status, action.group(1) if action else "", mail.text),
        status=status,
        recipients=recipients,
        original_message_id=original_id,
    )


def _is_permanent(status: str, action: str, text: str) -> bool:
    if action.lower() in ("delayed", "relayed", "delivered", "expanded"):
        return False
    if status:
        # 5.2.2 mailbox full: the owner may empty it; treated as temporary.
        return status.startswith("5") and status != "5.2.2"
    if _TEMPORARY_WORDS.search(text):
        return False
    code = _SMTP_CODE.search(text)
    if code:
        return code.group(1) == "5"
    return bool(_PERMANENT_WORDS.search(text))


def _recipients_from_text(text: str) -> tuple[str, ...]:
    """The first address a plain-text bounce names that is not a daemon's."""
    for match in _ADDRESS_IN_TEXT.finditer(text[:4000]):
        address = match.group(1).lower()
        if not address.startswith(("mailer-daemon@", "postmaster@")):
            return (address,)
    return ()
