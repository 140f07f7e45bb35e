"""The audience a segment definition selects, and the members of saved segments.

A definition (``segment_definitions.parse_definition``) becomes one queryset: every given key
must hold. Score-based keys read the precomputed ``CustomerScore``; customers never scored do not
match them. Only active customers (neither merged away nor erased) whose processing is not
restricted are ever part of a segment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from stammkunde.analytics.segment_definitions import (
    SegmentDefinition,
    SegmentDefinitionError,
    parse_definition,
)
from stammkunde.customers.models import (
    ConsentEvent,
    Customer,
    CustomerStatus,
)
from stammkunde.shop.models import OrderLine, OrderStatus


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
