"""Small display helpers for the staff templates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django import template
from django.db import models
from django.template.defaultfilters import date as django_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from stammkunde.core.links import http_url
from stammkunde.core.number_formats import format_money, format_number
from stammkunde.customers.models import ConsentChannel, ConsentPurpose

register = template.Library()

# One glyph per kind of timeline entry, all in the Basic Multilingual Plane so the common system
# fonts draw them without an emoji font; kinds not listed (added by apps later) get a dot.
ACTIVITY_ICONS = {
    "customer_created": "★",
    "customer_updated": "⚙",
    "customer_merged": "⇄",
    "consent_changed": "✓",
    "consent_not_taken": "⊘",
    "order_placed": "▣",
    "order_updated": "↻",
    "order_cancelled": "✕",
    "order_shipped": "➜",
    "order_delivered": "☑",
    "return_received": "↩",
    "refund_issued": "€",
    "withdrawal_received": "⎌",
    "email_in": "✉",
    "email_out": "✉",
    "call": "☎",
    "note": "✎",
    "privacy_request": "⚖",
    "processing_restricted": "⏸",
    "shop_account_deleted": "⌫",
    "case_opened": "⚑",
    "case_answered": "↪",
    "case_escalated": "⇧",
    "case_solved": "✔",
    "case_closed": "⚐",
    "case_reopened": "↺",
    "case_assigned": "☺",
    "case_status_changed": "◐",
    "case_merged": "⇉",
    "case_split": "⇶",
    "case_moved": "⇄",
    "goodwill_granted": "♥",
    "message_sent": "✉",
    "message_held_back": "⏸",
    "message_failed": "⚠",
    "consent_asked": "?",
    "consent_confirmed": "✓",
    "consent_withdrawn": "✗",
    "unsubscribed": "✗",
    "contact_hold_set": "⏸",
    "contact_hold_released": "▶",
}


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, page: str, within: str = "") -> SafeString:
    """The ``aria-current`` attribute of a subnav link: ``page`` on the link to the page shown
    (its URL name is ``page``), ``true`` on the link whose section the page belongs to (a form or
    a detail page below a list: its URL name is one of the space-separated ``within``), else
    nothing. Screen readers announce it and the stylesheet marks it (``.subnav a[aria-current]``).
    """
    match = getattr(context.get("request"), "resolver_match", None)
    name = getattr(match, "url_name", None) or ""
    if name == page:
        return mark_safe(' aria-current="page"')
    if name and name in within.split():
        return mark_safe(' aria-current="true"')
    return mark_safe("")


@register.filter
def safe_url(url: str | None) -> str:
    """The URL if it is an absolute http(s) link, else "" (so templates render no link)."""
    return http_url(url)


@register.filter
def activity_icon(kind: str) -> str:
    return ACTIVITY_ICONS.get(kind, "•")


@register.filter
def localize_number(value: Decimal | float | int | None) -> str:
    """A figure in the UI language with grouping: "1.234" / "1,234", up to two decimals
    ("1,5" / "1.5"); empty for no value."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return format_number(number, 0)
    return format_number(number.quantize(Decimal("0.01")).normalize())


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """``49,90 €`` in German, ``€49.90`` in English, on one line; empty for no amount.

    The currency ``*`` (amounts of mixed currencies) shows the number alone.
    """
    if amount is None:
        return ""
    if currency == "*":
        return format_number(amount, 2)
    return format_money(amount, currency or "EUR")


@register.filter
def minutes(seconds: int | None) -> int:
    """A call duration in whole minutes, rounded."""
    return round((seconds or 0) / 60)


@register.filter
def consent_purpose(value: str) -> str:
    return _choice_label(ConsentPurpose, value)


@register.filter
def consent_channel(value: str) -> str:
    return _choice_label(ConsentChannel, value)


def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# quick_date: the characters of a date format (Django's ``dateformat``) the fast path writes,
# each exactly as ``DateFormat`` does; a format with any other character or an escape goes to
# Django's filter.
_FORMAT_CHARACTERS = re.compile(r"([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
_QUICK_PARTS: dict[str, Callable[[datetime], str]] = {
    "c": lambda value: value.isoformat(),
    "d": lambda value: f"{value.day:02d}",
    "j": lambda value: f"{value.day:d}",
    "m": lambda value: f"{value.month:02d}",
    "n": lambda value: f"{value.month:d}",
    "Y": lambda value: f"{value.year:04d}",
    "y": lambda value: f"{value.year % 100:02d}",
    "H": lambda value: f"{value.hour:02d}",
    "G": lambda value: f"{value.hour:d}",
    "i": lambda value: f"{value.minute:02d}",
    "s": lambda value: f"{value.second:02d}",
}
# Format string -> its writer, or None when Django's filter must write it. Formats, not values:
# a handful of entries (the formats of the languages the templates name).
_quick_writers: dict[str, Callable[[datetime], str] | None] = {}


def _quick_writer(format_string: str) -> Callable[[datetime], str] | None:
    if format_string in _quick_writers:
        return _quick_writers[format_string]
    pieces = _FORMAT_CHARACTERS.split(format_string)
    parts: list[Callable[[datetime], str] | str] | None = []
    if "\\" in format_string:
        parts = None
    for number, piece in enumerate(pieces):
        if parts is None:
            break
        if number % 2 == 0:
            if piece:
                parts.append(piece)
        elif piece in _QUICK_PARTS:
            parts.append(_QUICK_PARTS[piece])
        else:
            parts = None
    writer = None
    if parts is not None:
        frozen = tuple(parts)

        def writer(value: datetime) -> str:
            return "".join(part if isinstance(part, str) else part(value) for part in frozen)

    _quick_writers[format_string] = writer
    return writer


@register.filter(expects_localtime=True, is_safe=False)
def quick_date(value: object, arg: str | None = None) -> str:
    """Django's ``date`` filter (the same text for the same value and format), about four
    times faster for a date and time in a format of digits (the languages'
    SHORT_DATETIME_FORMAT "d.m.Y H:i", "c"): Django's builds a formatter object and checks the
    time zone's transitions for every value. Lists of dates use it (the customer page's
    timeline and audit trail: up to 80 dates)."""
    if isinstance(value, datetime):
        writer = _quick_writer(get_format(arg or "DATE_FORMAT"))
        if writer is not None:
            return writer(value)
    return django_date(value, arg)
