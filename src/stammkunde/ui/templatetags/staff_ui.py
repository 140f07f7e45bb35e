"""Small display helpers for the staff templates."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.db import models

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
