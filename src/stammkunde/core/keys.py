"""Normalized search keys for customer identity: e-mail, names and phone numbers.

Customers are found by prefix over these keys with plain B-tree range scans, which work the
same on SQLite and PostgreSQL and need no trigram or collation extension.
"""

from __future__ import annotations

import re
import unicodedata

# German and other Latin letters that users type without their marks ("Muller" finds "Müller").
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})
_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")

# The highest code point below the surrogates: ``key <= x < key + PREFIX_END`` covers every
# string that starts with ``key``.
PREFIX_END = "\U0010ffff"


def normalize_email(value: str | None) -> str | None:
    """Return the address trimmed and lower-cased, or None when empty.

    The whole address is lower-cased: mailbox names are case-sensitive in theory only, and two
    customers who differ in case alone are the same person in every shop we know.
    """
    if value is None:
        return None
    value = value.strip().lower()
    return value or None


def name_key(value: str | None) -> str:
    """Fold a name for search: lower case, no accents, ß as ss, single spaces."""
    if not value:
        return ""
    folded = unicodedata.normalize("NFKD", value.lower().translate(_FOLD))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _SPACES.sub(" ", folded).strip()


def phone_key(value: str | None, *, default_country_code: str = "49") -> str:
    """Reduce a phone number to digits in international form without the plus sign.

    ``0171 1234567``, ``+49 171 1234567`` and ``0049-171-1234567`` all become ``491711234567``.
    """
    if not value:
        return ""
    stripped = value.strip()
    digits = _NON_DIGITS.sub("", stripped)
    if not digits:
        return ""
    if stripped.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return default_country_code + digits[1:]
    return digits


def prefix_range(key: str) -> tuple[str, str]:
    """Return the half-open range of strings that start with ``key``."""
    return key, key + PREFIX_END
