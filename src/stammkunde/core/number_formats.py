"""Numbers, amounts and shares written the way the active UI language writes them.

The one place the staff UI and the analytics texts format numbers: "19.819,85 €", "6,2 Tsd." and
"23 %" in German, "€19,819.85", "6.2k" and "23%" in English. Built on Django's localized
``number_format``; the patterns around the number (where the currency sign goes, the abbreviation
for thousands) are gettext strings, so each language decides them. A number and its unit are
joined by a non-breaking space, so "19.819,85 €" never breaks across lines.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import pgettext

NBSP = "\u00a0"
# Currencies written with a symbol; any other code is written as the code ("CHF 12.50").
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _keep_together(text: str) -> str:
    """Replace the spaces of a translated pattern by non-breaking ones."""
    return text.replace(" ", NBSP)


def format_number(value: Any, decimals: int | None = None) -> str:
    """A number with the language's decimal mark and grouping ("1.234,5" / "1,234.5").

    ``decimals`` None keeps what the value has (an integer stays without decimals).
    """
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if decimals is not None and number.is_finite():
        # Django's number_format cuts off the digits beyond ``decimals`` (12.7 % -> "12 %");
        # round half up first, as a reader expects.
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(number, decimals, use_l10n=True, force_grouping=True)


def format_money(amount: Any, currency: str = "EUR") -> str:
    """An amount with its currency: "19.819,85 €" in German, "€19,819.85" in English,
    "1.250,00 CHF" / "CHF 1,250.00" for a currency without a symbol; on one line."""
    number = format_number(Decimal(str(amount)), 2)
    code = currency or "EUR"
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol:
        text = pgettext("money: an amount with a currency symbol", "%(symbol)s%(number)s") % {
            "symbol": symbol,
            "number": number,
        }
    else:
        text = pgettext("money: an amount with a currency code", "%(code)s %(number)s") % {
            "code": code,
            "number": number,
        }
    return _keep_together(text)


def format_percent(share: Any, decimals: int = 0) -> str:
    """A share (0.234) as a percentage: "23 %" in German, "23%" in English."""
    number = format_number(Decimal(str(float(share))) * 100, int(decimals))
    return _keep_together(pgettext("a percentage", "%(number)s%%") % {"number": number})


def format_compact(value: float) -> str:
    """A short number for chart axes and tooltips: "6,2 Tsd." / "6.2k", "1,3 Mio." / "1.3M",
    "0,25" / "0.25"."""
    magnitude = abs(value)
    if not math.isfinite(magnitude):
        return "\u2013"
    if magnitude >= 1_000_000:
        number = _short(value / 1_000_000, 1)
        pattern = pgettext("millions, abbreviated", "%(number)sM")
    elif magnitude >= 1_000:
        number = _short(value / 1_000, 0 if magnitude >= 10_000 else 1)
        pattern = pgettext("thousands, abbreviated", "%(number)sk")
    else:
        return format_number(_trimmed(value, 2))
    return _keep_together(pattern % {"number": number})


def _short(value: float, decimals: int) -> str:
    return format_number(_trimmed(value, decimals))


def _trimmed(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places without trailing zeros (2.50 -> 2.5, 3.0 -> 3)."""
    rounded = Decimal(str(round(float(value), decimals)))
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()
