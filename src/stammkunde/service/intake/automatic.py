"""Is a message written by a machine? Bounces, auto-replies and bulk mail are never answered
automatically (RFC 3834), so a vacation reply and our acknowledgement cannot ping-pong.

``classify`` looks at the signs in order of certainty: a delivery report or a mailer daemon
(bounce), then the marks of RFC 3834 and of the big mail servers (auto-reply), then the marks
of lists and bulk senders, then subjects that only machines write. A message carrying one of
our own Message-IDs as its own id has come back to us (a loop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stammkunde.service.intake.mime import ParsedMail


class Automatic(StrEnum):
    """What kind of machine wrote a message ("" = a person)."""

    PERSON = ""
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    BULK = "bulk"
    LOOP = "loop"


@dataclass(frozen=True)
class Verdict:
    """The kind and the sign that decided it (a header and its value, for the inbox page)."""

    kind: Automatic
    reason: str = ""

    @property
    def is_automatic(self) -> bool:
        return self.kind != Automatic.PERSON


_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|delivery status notification|delivery failure|"
    r"mail delivery failed|failure notice|returned mail|delivery has failed|"
    r"message delayed|warning: message .* delayed|unzustellbar|nicht zustellbar|"
    r"zustellung nicht abgeschlossen|übermittlungsstatus|non remis|non recapitabile",
    re.IGNORECASE,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^(automatic reply|auto(matische)? ?(reply|response|antwort)|autoreply|auto-response|"
    r"out of (the )?office|abwesenheitsnotiz|abwesend|abwesenheit|"
    r"automatische antwort|r[ée]ponse automatique|risposta automatica|vacation)\b",
    re.IGNORECASE,
)
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def classify(mail: ParsedMail, *, own_domain: str = "") -> Verdict:
    """Decide whether a person or a machine wrote ``mail``; ``own_domain`` is the domain of
    our outgoing Message-IDs (STAMMKUNDE_MAIL_DOMAIN)."""
    if own_domain and mail.message_id.lower().endswith("@" + own_domain.lower()):
        return Verdict(Automatic.LOOP, f"Message-ID: {mail.message_id}")
    if mail.content_type == "multipart/report" and (
        "delivery-status" in mail.header("content-type").lower() or mail.report_status
    ):
        return Verdict(Automatic.BOUNCE, "Content-Type: multipart/report")
    if _DAEMONS.match(mail.from_address):
        return Verdict(Automatic.BOUNCE, f"From: {mail.from_address}")
    if mail.header("x-failed-recipients"):
        return Verdict(Automatic.BOUNCE, "X-Failed-Recipients")
    return_path = mail.headers.get("return-path")
    empty_return_path = bool(return_path) and return_path[0].strip() in ("", "<>")
    if empty_return_path and _BOUNCE_SUBJECT.search(mail.subject):
        return Verdict(Automatic.BOUNCE, f"Return-Path: <>; Subject: {mail.subject[:80]}")
    auto_submitted = mail.header("auto-submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return Verdict(Automatic.AUTO_REPLY, f"Auto-Submitted: {auto_submitted[:60]}")
    for name in _AUTO_HEADERS:
        if name in mail.headers:
            return Verdict(Automatic.AUTO_REPLY, f"{_title(name)}: {mail.header(name)[:60]}")
    if mail.header("x-apple-action").strip().upper() == "VACATION":
        return Verdict(Automatic.AUTO_REPLY, "X-Apple-Action: VACATION")
    precedence = mail.header("precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        kind = Automatic.AUTO_REPLY if precedence == "auto_reply" else Automatic.BULK
        return Verdict(kind, f"Precedence: {precedence}")
    if "list-unsubscribe" in mail.headers:
        return Verdict(Automatic.BULK, "List-Unsubscribe")
    if "list-id" in mail.headers:
        return Verdict(Automatic.BULK, "List-Id")
    if empty_return_path:
        return Verdict(Automatic.AUTO_REPLY, "Return-Path: <>")
    if _AUTO_REPLY_SUBJECT.search(mail.subject.strip()):
        return Verdict(Automatic.AUTO_REPLY, f"Subject: {mail.subject[:80]}")
    return Verdict(Automatic.PERSON)


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
