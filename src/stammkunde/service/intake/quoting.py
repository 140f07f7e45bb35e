"""The customer's own words: quoted history and signatures cut off, for German and English
mail clients. The full text is always kept beside it (the original is one click away).

mail-parser-reply knows "Am ... schrieb ...:", "On ... wrote:" and Outlook's
"Von:/Gesendet:/An:/Betreff:" block; the dividers it leaves ("-----Ursprüngliche
Nachricht-----", "----- Original Message -----") and the phones' "Von meinem iPhone gesendet"
are cut here. A reply written below the quote (Thunderbird users do) keeps its text.
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage

_DIVIDERS = re.compile(
    r"^\s*(-{2,}\s*(Ursprüngliche Nachricht|Original(e)? (Message|Nachricht)|"
    r"Weitergeleitete Nachricht|Forwarded message|Message d'origine)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SENT_FROM = re.compile(
    r"^\s*(Von meinem (iPhone|iPad|Android|Samsung|Smartphone|Handy|Mobiltelefon)[^\n]*gesendet"
    r"|Gesendet von meinem [^\n]*|Sent from my [^\n]*|Get Outlook for (iOS|Android)[^\n]*"
    r"|Von Outlook für (iOS|Android) gesendet[^\n]*)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_LANGUAGES = ("de", "en")


class _LatestReply(EmailMessage):
    """mail-parser-reply's message, read for its latest reply alone (what
    ``EmailReplyParser.parse_reply`` returns): that is the text before the first quote header.
    The signatures and disclaimers it also looks for in every fragment (two more regex passes,
    one backtracking over the rest of the text) are not part of it."""

    def _process_signatures_disclaimers(self, text: str) -> tuple[list[str], str]:
        return [], ""


# Built once: the parser joins and compiles its header pattern for every message.
_HEADERS = _LatestReply(text="", languages=list(_LANGUAGES)).HEADER_REGEX


def _latest_reply(text: str) -> str:
    message = _LatestReply(text=text, languages=list(_LANGUAGES), _header_regex=_HEADERS)
    return message.read().latest_reply or ""


def own_words(text: str) -> str:
    """The part of ``text`` the sender wrote now, without quotes, dividers and signatures."""
    if not text.strip():
        return ""
    text = text.replace("\r\n", "\n")
    for pattern in (_DIVIDERS, _SENT_FROM, _SIGNATURE):
        match = pattern.search(text)
        if match and text[: match.start()].strip():
            text = text[: match.start()]
    below = _answer_below_quote(text)
    if below:
        text = below
    try:
        reply = _latest_reply(text)
    except Exception:  # the parser's regexes on pathological input: keep what we have
        reply = text
    if not reply.strip():
        # Nothing above the quote: the answer is below it (or the message is only a quote).
        unquoted = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
        reply = "\n".join(unquoted)
    return reply.strip()


_ATTRIBUTION = re.compile(r"(schrieb|wrote|a écrit)[^\n]*:\s*$", re.IGNORECASE)


def _answer_below_quote(text: str) -> str:
    """The text after a leading quote ("Am ... schrieb ...:" and ">" lines), if any."""
    lines = text.splitlines()
    filled = [index for index, line in enumerate(lines) if line.strip()]
    if not filled:
        return ""
    first = lines[filled[0]]
    if not (first.lstrip().startswith(">") or _ATTRIBUTION.search(first)):
        return ""
    quoted = [index for index, line in enumerate(lines) if line.lstrip().startswith(">")]
    if not quoted:
        return ""
    after = "\n".join(lines[quoted[-1] + 1 :]).strip()
    return after
