"""An outbox row as the e-mail that goes out: headers (Message-ID, threading, List-Unsubscribe
per RFC 8058), the visible unsubscribe link and the UWG §7(3) objection notice for
non-transactional mail, and the DKIM signature when a key is configured."""

from __future__ import annotations

import functools
import secrets
import sys
from dataclasses import dataclass
from email.policy import Compat32
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from stammkunde.messaging import signing_dkim
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import OutboundMessage
from stammkunde.messaging.tokens import make_token

EXISTING_CUSTOMER = "existing_customer"
# Stands for the token while a link's URL is reversed once (see _link).
TOKEN_MARK = "TOKEN-MARK"


def unsubscribe_url(message: OutboundMessage) -> str:
    """The HTTPS one-click unsubscribe link of this message (its token names the message)."""
    return _link("messaging:unsubscribe", make_token("unsubscribe", {"m": message.pk}))


def preferences_url(message: OutboundMessage) -> str | None:
    """The preference centre link for the message's customer (None without a customer)."""
    if message.customer_id is None:
        return None
    return _link("messaging:preferences", make_token("preferences", {"c": message.customer_id}))


def _link(name: str, token: str) -> str:
    # Two links per marketing mail: the URL around the token is reversed once, not per mail
    # (reverse costs more than signing the token). A signed token is URL-safe base64 with ":"
    # separators, which reverse() would leave as they are.
    head, tail = _link_frame(name, settings.SITE_URL.rstrip("/"), get_script_prefix())
    return f"{head}{token}{tail}"


@functools.lru_cache(maxsize=16)
def _link_frame(name: str, site: str, script_prefix: str) -> tuple[str, str]:
    url = site + reverse(name, args=[TOKEN_MARK])
    head, _, tail = url.partition(TOKEN_MARK)
    return head, tail


class SignedEmail(EmailMultiAlternatives):
    """An e-mail whose MIME message gets a DKIM-Signature header when a key is configured."""

    def message(self, *args, **kwargs):
        mime = super().message(*args, **kwargs)
        if not self.attachments:
            _set_boundaries(mime, [self.body, *(part.content for part in self.alternatives)])
        mime.policy = FOLDING_CACHE
        signing_dkim.sign_message(mime)
        return mime


class _CachedFolding(Compat32):
    """Django's policy (compat32) with each folded header line remembered: a campaign's mails
    share most header lines (From, Subject, the parts' Content-Type), and folding one costs
    more than building the rest of its MIME structure. Folding is a function of the line and
    the policy's settings only, which make the key."""

    def fold_binary(self, name, value):
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        return _folded(self.linesep, self.max_line_length, self.cte_type, name, value)


@functools.lru_cache(maxsize=1024)
def _folded(linesep: str, max_line_length, cte_type: str, name: str, value: str) -> bytes:
    policy = Compat32(linesep=linesep, max_line_length=max_line_length, cte_type=cte_type)
    return policy.fold_binary(name, value)


FOLDING_CACHE = _CachedFolding()


def _set_boundaries(mime, texts: list) -> None:
    """Give each multipart a boundary that none of ``texts`` (the parts' unencoded bodies)
    contains. Left to itself the generator compiles a regular expression per message to check
    its random boundary against the encoded parts: a tenth of the worker's CPU per mail. A
    quoted-printable part cannot contain the boundary's run of "=" (it becomes "=3D")."""
    if not mime.is_multipart() or not all(isinstance(text, str) for text in texts):
        return
    for part in mime.walk():
        if part.is_multipart() and part.get_boundary() is None:
            boundary = f"==============={secrets.randbelow(sys.maxsize):019d}=="
            if any(boundary in text for text in texts):
                return  # (never in practice) the generator finds one of its own
            part.set_boundary(boundary)


def build_email(message: OutboundMessage, *, connection=None) -> EmailMultiAlternatives:
    """The Django e-mail for one outbox row, ready for any e-mail backend."""
    headers = {str(key): str(value) for key, value in (message.headers or {}).items()}
    headers["Message-ID"] = message.message_id
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    text, html = message.text_body, message.html_body
    if message.purpose != Purpose.TRANSACTIONAL:
        link = unsubscribe_url(message)
        headers["List-Unsubscribe"] = _list_unsubscribe(link)
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text, html = _with_footer(message, text, html, link)
    email = SignedEmail(
        subject=message.subject,
        body=text,
        from_email=formataddr((message.from_name, message.from_address))
        if message.from_name
        else message.from_address,
        to=[message.to_address],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
        connection=connection,
    )
    if html:
        email.attach_alternative(html, "text/html")
    return email


def _list_unsubscribe(link: str) -> str:
    mailto = getattr(settings, "MESSAGING_UNSUBSCRIBE_MAILTO", "")
    if mailto:
        return f"<{link}>, <mailto:{mailto}?subject=unsubscribe>"
    return f"<{link}>"


def _with_footer(message: OutboundMessage, text: str, html: str, link: str) -> tuple[str, str]:
    """Add the visible unsubscribe link (and the objection notice) in the customer's language."""
    language = message.customer.language if message.customer_id else settings.LANGUAGE_CODE
    preferences = preferences_url(message)
    words = _footer_words(language or settings.LANGUAGE_CODE)
    lines = []
    notice = words.notice if message.legal_basis == EXISTING_CUSTOMER else ""
    if notice:
        lines.append(notice)
    lines.append(words.unsubscribe_line % {"link": link})
    if preferences:
        lines.append(words.preferences_line % {"link": preferences})
    unsubscribe_label, preferences_label = words.unsubscribe_label, words.preferences_label
    text = text.rstrip("\n") + "\n\n-- \n" + "\n".join(lines) + "\n"
    if html:
        parts = [f'<a href="{escape(link)}">{escape(unsubscribe_label)}</a>']
        if preferences:
            parts.append(f'<a href="{escape(preferences)}">{escape(preferences_label)}</a>')
        footer = (
            '<p style="font-size:12px;color:#666">'
            + (escape(notice) + "<br>" if notice else "")
            + " · ".join(parts)
            + "</p>"
        )
        closing = html.lower().rfind("</body>")
        html = html[:closing] + footer + html[closing:] if closing >= 0 else html + footer
    return text, html


@dataclass(frozen=True)
class _FooterWords:
    notice: str
    unsubscribe_line: str
    preferences_line: str
    unsubscribe_label: str
    preferences_label: str


@functools.lru_cache(maxsize=16)
def _footer_words(language: str) -> _FooterWords:
    # Per language once per process: every marketing mail needs them, and activating a
    # language per mail costs more than the rest of its footer.
    with translation.override(language):
        return _FooterWords(
            notice=_(
                "We write to you as our customer about products like the ones you bought. "
                "You can object to this at any time, free of charge apart from the usual "
                "transmission costs:"
            ),
            unsubscribe_line=_("Unsubscribe with one click: %(link)s"),
            preferences_line=_("Choose which mails you get: %(link)s"),
            unsubscribe_label=_("Unsubscribe"),
            preferences_label=_("Choose which mails you get"),
        )
