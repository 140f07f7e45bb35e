"""Links from shops or users: followed only when they are absolute http(s) URLs."""

from __future__ import annotations

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
