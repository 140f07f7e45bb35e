"""A trigger's conditions: parsed from what staff entered, and checked against plain facts.

Conditions (all optional, all must hold): ``segment_id`` (the customer is in an analytics
segment), ``min_order_value`` / ``max_order_value`` (the order's total), ``categories`` (the
order has a product of one of them), ``order_kind`` ("first" or "repeat") and ``languages``
(the customer's message language).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from stammkunde.core.ids import parse_id
from stammkunde.core.number_formats import format_money

ORDER_KINDS = ("first", "repeat")
LANGUAGES = ("de", "en")
MAX_ORDER_VALUE = Decimal("1000000")

NOT_MET = {
    "segment_id": _("the customer is not in the segment"),
    "min_order_value": _("the order is below the minimum value"),
    "max_order_value": _("the order is above the maximum value"),
    "categories": _("the order has no product of the chosen categories"),
    "order_kind": _("the order is not of the chosen kind (first or repeat order)"),
    "languages": _("the customer's language is not one of the chosen"),
    "no_order": _("the condition needs an order, and this event has none"),
}


class ConditionError(ValueError):
    """Conditions that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Facts:
    """What is known when a trigger fires (None: not known for this event)."""

    language: str
    in_segment: bool | None = None
    order_total: Decimal | None = None
    categories: frozenset[str] = field(default_factory=frozenset)
    is_first_order: bool | None = None


def _money(raw: Any, key: str) -> str | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        raise ConditionError(_("%(key)s must be an amount") % {"key": key}) from None
    if not value.is_finite() or value < 0 or value > MAX_ORDER_VALUE:
        raise ConditionError(_("%(key)s must be between 0 and 1,000,000") % {"key": key})
    return str(value)


def parse_conditions(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The conditions as stored: only known keys, checked values, empty ones left out."""
    raw = dict(raw or {})
    unknown = set(raw) - {
        "segment_id",
        "min_order_value",
        "max_order_value",
        "categories",
        "order_kind",
        "languages",
    }
    if unknown:
        raise ConditionError(
            _("unknown condition: %(name)s") % {"name": ", ".join(sorted(unknown))}
        )
    parsed: dict[str, Any] = {}
    if raw.get("segment_id") not in (None, ""):
        segment_id = parse_id(str(raw["segment_id"]))
        if segment_id is None:
            raise ConditionError(_("the segment must be given by its number"))
        parsed["segment_id"] = segment_id
    for key in ("min_order_value", "max_order_value"):
        value = _money(raw.get(key), key)
        if value is not None:
            parsed[key] = value
    low, high = parsed.get("min_order_value"), parsed.get("max_order_value")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise ConditionError(_("the minimum order value is above the maximum"))
    categories = raw.get("categories") or []
    if isinstance(categories, str):
        categories = categories.split(",")
    categories = sorted({str(item).strip() for item in categories if str(item).strip()})
    if categories:
        parsed["categories"] = categories
    kind = raw.get("order_kind") or ""
    if kind:
        if kind not in ORDER_KINDS:
            raise ConditionError(_("the order kind must be first or repeat"))
        parsed["order_kind"] = kind
    languages = raw.get("languages") or []
    if isinstance(languages, str):
        languages = languages.split(",")
    languages = sorted({str(item).strip() for item in languages if str(item).strip()})
    if any(language not in LANGUAGES for language in languages):
        raise ConditionError(_("languages must be de or en"))
    if languages:
        parsed["languages"] = languages
    return parsed


def unmet_condition(conditions: dict[str, Any], facts: Facts) -> str | None:
    """The key of the first condition ``facts`` do not meet (None: all are met)."""
    if "languages" in conditions and facts.language not in conditions["languages"]:
        return "languages"
    if "segment_id" in conditions and not facts.in_segment:
        return "segment_id"
    needs_order = {"min_order_value", "max_order_value", "categories", "order_kind"}
    if needs_order & set(conditions) and facts.order_total is None:
        return "no_order"
    total = facts.order_total
    if "min_order_value" in conditions and total < Decimal(conditions["min_order_value"]):
        return "min_order_value"
    if "max_order_value" in conditions and total > Decimal(conditions["max_order_value"]):
        return "max_order_value"
    if "categories" in conditions and not (facts.categories & set(conditions["categories"])):
        return "categories"
    if "order_kind" in conditions:
        wanted_first = conditions["order_kind"] == "first"
        if facts.is_first_order is not wanted_first:
            return "order_kind"
    return None


def describe_unmet(key: str) -> str | Promise:
    """Why a run was skipped, in the reader's language."""
    return NOT_MET[key]


def _euros(amount: str) -> str:
    """An amount as the reader writes it ("50,00 €" in German, "€50.00" in English)."""
    return format_money(Decimal(amount), "EUR")


LANGUAGE_NAMES = {"de": _("German"), "en": _("English")}


def describe_conditions(
    conditions: dict[str, Any], *, segment_names: dict[int, str] | None = None
) -> list[str]:
    """Each stored condition in words for the team lead ("Bestellwert ab 50,00 €", "nur
    Erstbestellung", "Sprache: Deutsch"), in the order a person would say them; an empty list
    means the trigger fires for everyone. ``segment_names`` names the segments by number (a
    missing one is shown by its number, so a deleted segment stays visible)."""
    words: list[str] = []
    if "segment_id" in conditions:
        number = conditions["segment_id"]
        name = (segment_names or {}).get(number) or gettext("no. %(number)s") % {"number": number}
        words.append(gettext("only customers in the segment “%(name)s”") % {"name": name})
    low, high = conditions.get("min_order_value"), conditions.get("max_order_value")
    if low is not None and high is not None:
        words.append(
            gettext("order value from %(low)s to %(high)s")
            % {"low": _euros(low), "high": _euros(high)}
        )
    elif low is not None:
        words.append(gettext("order value from %(amount)s") % {"amount": _euros(low)})
    elif high is not None:
        words.append(gettext("order value up to %(amount)s") % {"amount": _euros(high)})
    categories = conditions.get("categories") or []
    if categories:
        words.append(
            ngettext(
                "only orders with a product of the category %(names)s",
                "only orders with a product of the categories %(names)s",
                len(categories),
            )
            % {"names": ", ".join(categories)}
        )
    kind = conditions.get("order_kind")
    if kind == "first":
        words.append(gettext("only first orders"))
    elif kind == "repeat":
        words.append(gettext("only repeat orders"))
    languages = conditions.get("languages") or []
    if languages:
        names = [str(LANGUAGE_NAMES.get(code, code)) for code in languages]
        said = names[0]
        for name in names[1:]:
            said = gettext("%(first)s or %(second)s") % {"first": said, "second": name}
        words.append(gettext("language: %(names)s") % {"names": said})
    return words


def describe_delay(delay: timedelta | None) -> str:
    """A trigger's delay as people say it ("7 Tage", "1 day, 2 hours"), to the minute; no delay
    is "at once". Django renders a bare timedelta as "7 days, 0:00:00", in English only."""
    if not delay or delay <= timedelta(0):
        return gettext("at once")
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    return ", ".join(parts) or gettext("at once")
