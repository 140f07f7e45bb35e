"""Segment definitions: a validated JSON filter over customers (the audience: ``segments``).

A definition is a JSON object; every key is optional and all given keys must hold (AND):

=======================  ==================================================================
key                      meaning
=======================  ==================================================================
``rfm_segments``         list of RFM segment codes (``["at_risk", "cant_lose"]``)
``churn_alarm``          ``true`` / ``false``: the churn alarm is (not) on
``churn_risk_min/max``   shown churn risk between 0 and 1
``clv_min/max``          predicted value for the next 12 months (shop currency)
``revenue_min/max``      revenue so far
``orders_min/max``       number of orders so far
``last_order_min_days``  last order at least this many days ago
``last_order_max_days``  last order at most this many days ago
``categories``           bought at least one product of one of these categories
``tags_any``             has at least one of these tags
``tags_none``            has none of these tags
``languages``            customer language codes (``["de"]``)
``form_of_address``      ``"formal"`` or ``"informal"``
``preferences``          object of preference key -> value, all must be equal
``consent``              ``{"channel": "email", "purpose": "newsletter"}``: consent granted now
=======================  ==================================================================

Score-based keys (RFM, churn, CLV, revenue, orders, last order) read the precomputed
``CustomerScore``; customers never scored do not match them. Only active customers (neither
merged away nor erased) are ever part of a segment.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    FormOfAddress,
)

MAX_LIST_ITEMS = 50
MAX_TEXT = 100
MAX_DAYS = 36_500
MAX_MONEY = Decimal("1000000000")
# The score filters that bound a number (money, orders, days): the segment form's number fields.
SCORE_BOUNDS = (
    "clv_min",
    "clv_max",
    "revenue_min",
    "revenue_max",
    "orders_min",
    "orders_max",
    "last_order_min_days",
    "last_order_max_days",
)
# Preference keys become part of a JSON path in SQL: plain identifiers only.
PREFERENCE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class SegmentDefinitionError(ValueError):
    """A definition that cannot be used; ``key`` names the offending part ("" for the whole)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


def rfm_segment_choices() -> list[tuple[str, str]]:
    """The RFM segments of the scoring job as (code, label), in the job's order."""
    from stammkunde.analytics.models import RFMSegment

    return list(RFMSegment.choices)


@dataclass(frozen=True)
class SegmentDefinition:
    """A parsed, valid definition. ``to_json()`` gives its canonical JSON form."""

    rfm_segments: tuple[str, ...] = ()
    churn_alarm: bool | None = None
    churn_risk_min: float | None = None
    churn_risk_max: float | None = None
    clv_min: Decimal | None = None
    clv_max: Decimal | None = None
    revenue_min: Decimal | None = None
    revenue_max: Decimal | None = None
    orders_min: int | None = None
    orders_max: int | None = None
    last_order_min_days: int | None = None
    last_order_max_days: int | None = None
    categories: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    form_of_address: str = ""
    preferences: dict[str, str | int | bool] = field(default_factory=dict)
    consent: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """Only the keys that are set; Decimals as strings, tuples as lists."""
        result: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value is None or value == () or value == {} or value == "":
                continue
            if isinstance(value, Decimal):
                value = str(value)
            elif key == "consent":
                value = {"channel": value[0], "purpose": value[1]}
            elif isinstance(value, tuple):
                value = list(value)
            result[key] = value
        return result

    @property
    def uses_scores(self) -> bool:
        return any(
            getattr(self, key) not in (None, ())
            for key in (
                "rfm_segments",
                "churn_alarm",
                "churn_risk_min",
                "churn_risk_max",
                *SCORE_BOUNDS,
            )
        )


def _text_list(raw: Any, key: str, allowed: set[str] | None = None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise SegmentDefinitionError(_("%(key)s must be a list of texts.") % {"key": key}, key)
    if len(raw) > MAX_LIST_ITEMS:
        raise SegmentDefinitionError(
            _("%(key)s may list at most %(count)d entries.")
            % {"key": key, "count": MAX_LIST_ITEMS},
            key,
        )
    items: list[str] = []
    for item in raw:
        item = item.replace("\x00", "").strip()
        if not item:
            continue
        if len(item) > MAX_TEXT:
            raise SegmentDefinitionError(
                _("An entry of %(key)s is longer than %(count)d characters.")
                % {"key": key, "count": MAX_TEXT},
                key,
            )
        if allowed is not None and item not in allowed:
            raise SegmentDefinitionError(
                _("%(value)s is not a valid value for %(key)s.") % {"value": item, "key": key}, key
            )
        if item not in items:
            items.append(item)
    return tuple(items)


def _number(raw: Any, key: str, *, low: Decimal, high: Decimal) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise SegmentDefinitionError(_("%(key)s must be a number.") % {"key": key}, key)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise SegmentDefinitionError(_("%(key)s must be a number.") % {"key": key}, key) from None
    if not value.is_finite() or not low <= value <= high:
        raise SegmentDefinitionError(
            _("%(key)s must be between %(low)s and %(high)s.")
            % {"key": key, "low": low, "high": high},
            key,
        )
    return value


def _whole(raw: Any, key: str, high: int) -> int | None:
    value = _number(raw, key, low=Decimal(0), high=Decimal(high))
    if value is None:
        return None
    if value != value.to_integral_value():
        raise SegmentDefinitionError(_("%(key)s must be a whole number.") % {"key": key}, key)
    return int(value)


def _ordered(low: Any, high: Any, low_key: str) -> None:
    if low is not None and high is not None and low > high:
        raise SegmentDefinitionError(_("The minimum is larger than the maximum."), low_key)


def _preferences(raw: Any) -> dict[str, str | int | bool]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SegmentDefinitionError(_("preferences must be an object."), "preferences")
    result: dict[str, str | int | bool] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not PREFERENCE_KEY.match(key):
            raise SegmentDefinitionError(
                _("%(value)s is not a valid preference name.") % {"value": str(key)[:50]},
                "preferences",
            )
        if not isinstance(value, str | int | bool) or (isinstance(value, str) and len(value) > 200):
            raise SegmentDefinitionError(
                _("The preference %(value)s must be a short text, a number or true/false.")
                % {"value": key},
                "preferences",
            )
        # NUL cannot travel to PostgreSQL in a string; no real preference holds one.
        result[key] = value.replace("\x00", "") if isinstance(value, str) else value
    if len(result) > MAX_LIST_ITEMS:
        raise SegmentDefinitionError(_("Too many preferences."), "preferences")
    return result


def _consent(raw: Any) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"channel", "purpose"}:
        raise SegmentDefinitionError(
            _("consent must be an object with a channel and a purpose."), "consent"
        )
    channel, purpose = raw["channel"], raw["purpose"]
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values:
        raise SegmentDefinitionError(_("Unknown consent channel or purpose."), "consent")
    return channel, purpose


def parse_definition(raw: Any) -> SegmentDefinition:
    """Validate a definition (a dict as stored in JSON); raise SegmentDefinitionError if bad."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SegmentDefinitionError(_("A segment definition must be a JSON object."))
    known = set(SegmentDefinition.__dataclass_fields__)
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        raise SegmentDefinitionError(
            _("Unknown filter: %(keys)s.") % {"keys": ", ".join(k[:50] for k in unknown[:5])},
            unknown[0],
        )
    churn_alarm = raw.get("churn_alarm")
    if churn_alarm is not None and not isinstance(churn_alarm, bool):
        raise SegmentDefinitionError(_("churn_alarm must be true or false."), "churn_alarm")
    risk_min = _number(raw.get("churn_risk_min"), "churn_risk_min", low=Decimal(0), high=Decimal(1))
    risk_max = _number(raw.get("churn_risk_max"), "churn_risk_max", low=Decimal(0), high=Decimal(1))
    money = {
        key: _number(raw.get(key), key, low=Decimal(0), high=MAX_MONEY)
        for key in ("clv_min", "clv_max", "revenue_min", "revenue_max")
    }
    counts = {key: _whole(raw.get(key), key, 10_000_000) for key in ("orders_min", "orders_max")}
    days = {
        key: _whole(raw.get(key), key, MAX_DAYS)
        for key in ("last_order_min_days", "last_order_max_days")
    }
    form_of_address = raw.get("form_of_address") or ""
    if form_of_address and form_of_address not in FormOfAddress.values:
        raise SegmentDefinitionError(
            _("form_of_address must be formal or informal."), "form_of_address"
        )
    definition = SegmentDefinition(
        rfm_segments=_text_list(
            raw.get("rfm_segments"),
            "rfm_segments",
            {code for code, _label in rfm_segment_choices()},
        ),
        churn_alarm=churn_alarm,
        churn_risk_min=float(risk_min) if risk_min is not None else None,
        churn_risk_max=float(risk_max) if risk_max is not None else None,
        clv_min=money["clv_min"],
        clv_max=money["clv_max"],
        revenue_min=money["revenue_min"],
        revenue_max=money["revenue_max"],
        orders_min=counts["orders_min"],
        orders_max=counts["orders_max"],
        last_order_min_days=days["last_order_min_days"],
        last_order_max_days=days["last_order_max_days"],
        categories=_text_list(raw.get("categories"), "categories"),
        tags_any=_text_list(raw.get("tags_any"), "tags_any"),
        tags_none=_text_list(raw.get("tags_none"), "tags_none"),
        languages=_text_list(raw.get("languages"), "languages"),
        form_of_address=form_of_address,
        preferences=_preferences(raw.get("preferences")),
        consent=_consent(raw.get("consent")),
    )
    for prefix in ("churn_risk", "clv", "revenue", "orders"):
        low, high = getattr(definition, f"{prefix}_min"), getattr(definition, f"{prefix}_max")
        _ordered(low, high, f"{prefix}_min")
    _ordered(definition.last_order_min_days, definition.last_order_max_days, "last_order_min_days")
    return definition
