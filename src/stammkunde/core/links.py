"""Links from shops or users: followed only when they are absolute http(s) URLs."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# ``javascript:``, ``data:`` and the like would run or show content in the staff member's
# session or the customer's mail client.
SAFE_LINK_SCHEMES = frozenset({"http", "https"})
_LEADING_JUNK = "".join(map(chr, range(33)))  # control characters and space


def http_url(url: str | None) -> str:
    """The URL if it is an absolute http(s) link, else "" (so nothing renders it as a link).

    Browsers drop leading control characters and whitespace, and tabs and newlines inside the
    scheme ("java\\tscript:"), so the URL is judged as the browser would read it.
    """
    if not url:
        return ""
    cleaned = "".join(ch for ch in str(url) if ch not in "\t\n\r").lstrip(_LEADING_JUNK)
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return ""
    if parts.scheme.lower() not in SAFE_LINK_SCHEMES or not parts.netloc:
        return ""
    return cleaned


# Attributes whose value a mail client or browser follows or loads.
_URL_ATTRIBUTE = re.compile(
    r"""(?P<lead>[\s"'/](?P<name>href|src|action|formaction|background|poster|xlink:href)"""
    r"""\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+)""",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
MAIL_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)


def _mail_url_allowed(name: str, value: str) -> bool:
    cleaned = "".join(ch for ch in html.unescape(value) if ch not in "\t\n\r")
    cleaned = cleaned.lstrip(_LEADING_JUNK)
    scheme = _SCHEME.match(cleaned)
    if scheme is None:
        return True  # relative or a fragment: nothing runs
    if name.lower() == "src" and _IMAGE_DATA.match(cleaned):
        return True  # an embedded picture
    return scheme.group(1).lower() in MAIL_LINK_SCHEMES


def neutralize_mail_links(markup: str) -> str:
    """``markup`` (a mail's HTML) with every link or source whose scheme is not web, mail,
    phone or ``cid:`` (``javascript:``, ``data:`` but pictures, ``vbscript:``...) replaced by
    ``#``, whether the template wrote it or a value put into it brought it."""

    def replace(match: re.Match[str]) -> str:
        value = match.group("value")
        unquoted = value[1:-1] if value[:1] in "\"'" else value
        if _mail_url_allowed(match.group("name"), unquoted):
            return match.group(0)
        return f'{match.group("lead")}"#"'

    return _URL_ATTRIBUTE.sub(replace, markup)
