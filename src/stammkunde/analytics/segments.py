"""Segment definitions: a validated JSON filter over customers, and the audience it selects.

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
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    Customer,
    CustomerStatus,
    FormOfAddress,
)
from stammkunde.shop.models import OrderLine, OrderStatus

MAX_LIST_ITEMS = 50
MAX_TEXT = 100
MAX_DAYS = 36_500
MAX_MONEY = Decimal("1000000000")
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
                "clv_min",
                "clv_max",
                "revenue_min",
                "revenue_max",
                "orders_min",
                "orders_max",
                "last_order_min_days",
                "last_order_max_days",
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


def customers_matching(definition: SegmentDefinition) -> QuerySet[Customer]:
    """The active customers that satisfy every filter of ``definition``."""
    # Restricted processing (Art. 18 GDPR): never in a segment, its exports or campaigns.
    customers = Customer.objects.filter(
        status=CustomerStatus.ACTIVE, processing_restricted_at__isnull=True
    )
    filters: dict[str, Any] = {}
    if definition.rfm_segments:
        filters["score__rfm_segment__in"] = definition.rfm_segments
    if definition.churn_alarm is not None:
        filters["score__churn_alarm"] = definition.churn_alarm
    for name, lookup in (
        ("churn_risk", "score__churn_risk"),
        ("clv", "score__clv_12m"),
        ("revenue", "score__total_revenue"),
        ("orders", "score__orders_count"),
    ):
        if getattr(definition, f"{name}_min") is not None:
            filters[f"{lookup}__gte"] = getattr(definition, f"{name}_min")
        if getattr(definition, f"{name}_max") is not None:
            filters[f"{lookup}__lte"] = getattr(definition, f"{name}_max")
    today = timezone.localdate()
    if (days := definition.last_order_min_days) is not None:
        filters["score__last_order_at__lte"] = today - timedelta(days=days)
    if (days := definition.last_order_max_days) is not None:
        filters["score__last_order_at__gte"] = today - timedelta(days=days)
    if definition.languages:
        filters["language__in"] = definition.languages
    if definition.form_of_address:
        filters["form_of_address"] = definition.form_of_address
    for key, value in definition.preferences.items():
        # The explicit __exact keeps a key named like a lookup ("contains", "isnull") a key.
        filters[f"preferences__{key}__exact"] = value
    customers = customers.filter(**filters)
    if definition.categories:
        bought = OrderLine.objects.filter(
            order__customer=OuterRef("pk"),
            order__is_test=False,
            product__category__in=definition.categories,
        ).exclude(order__status=OrderStatus.CANCELLED)
        customers = customers.filter(Exists(bought))
    if definition.tags_any:
        tagged = Customer.tags.through.objects.filter(
            customer_id=OuterRef("pk"), tag__name__in=definition.tags_any
        )
        customers = customers.filter(Exists(tagged))
    if definition.tags_none:
        tagged = Customer.tags.through.objects.filter(
            customer_id=OuterRef("pk"), tag__name__in=definition.tags_none
        )
        customers = customers.exclude(Exists(tagged))
    if definition.consent is not None:
        channel, purpose = definition.consent
        # The ledger's newest event per (channel, purpose) is the current state.
        newest = ConsentEvent.objects.filter(
            customer_id=OuterRef("pk"), channel=channel, purpose=purpose
        ).order_by("-given_at", "-id")
        customers = customers.annotate(
            segment_consent=Subquery(newest.values("granted")[:1])
        ).filter(segment_consent=True)
    return customers.order_by("id")


def customers_in_segment(segment: Any) -> QuerySet[Customer]:
    """The audience of a saved segment (a ``Segment``), ready for messaging and retention.

    Consent is part of the definition: a newsletter audience should include
    ``"consent": {"channel": "email", "purpose": "newsletter"}``; messaging still checks
    consent itself before sending. Raises SegmentDefinitionError for a stored definition that
    is no longer valid (e.g. an RFM segment that was renamed).
    """
    return customers_matching(parse_definition(segment.definition))


# How the segment page sorts its customers: key -> order (ties broken by id, so pages are stable).
MEMBER_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (F("last_name").asc(), F("first_name").asc()),
    "-name": (F("last_name").desc(), F("first_name").desc()),
    "clv": (F("score__clv_12m").asc(nulls_last=True),),
    "-clv": (F("score__clv_12m").desc(nulls_last=True),),
    "risk": (F("score__churn_risk").asc(nulls_last=True),),
    "-risk": (F("score__churn_risk").desc(nulls_last=True),),
    "last_order": (F("score__last_order_at").asc(nulls_last=True),),
    "-last_order": (F("score__last_order_at").desc(nulls_last=True),),
}
DEFAULT_MEMBER_SORT = "-clv"


def segment_members(segment: Any, sort: str = DEFAULT_MEMBER_SORT) -> QuerySet[Customer]:
    """The segment's customers with their scores, sorted by ``sort`` (a key of MEMBER_SORTS;
    an unknown key sorts by the default), for the segment page's paged list."""
    order = MEMBER_SORTS.get(sort, MEMBER_SORTS[DEFAULT_MEMBER_SORT])
    return customers_in_segment(segment).select_related("score").order_by(*order, "id")


def refresh_segment_counts() -> int:
    """Recount every saved segment (after each scoring run); returns how many were counted.

    A segment whose definition no longer validates gets no count (``None``) instead of
    stopping the job.
    """
    from stammkunde.analytics.models import Segment

    now = timezone.now()
    counted = 0
    for segment in Segment.objects.all():
        try:
            count: int | None = customers_in_segment(segment).count()
        except SegmentDefinitionError:
            count = None
        else:
            counted += 1
        Segment.objects.filter(pk=segment.pk).update(customer_count=count, counted_at=now)
    return counted
