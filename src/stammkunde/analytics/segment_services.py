"""Writes of saved segments, and their CSV export (personal data: audited)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stammkunde.analytics.models import Segment
from stammkunde.analytics.segments import customers_in_segment, parse_definition
from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit

NAME_MAX = 100
DESCRIPTION_MAX = 1000
EXPORT_CHUNK = 2_000
EXPORT_COLUMNS = [
    "customer_id",
    "email",
    "first_name",
    "last_name",
    "company",
    "language",
    "form_of_address",
    "rfm_segment",
    "churn_alarm",
    "churn_risk",
    "clv_12m",
    "orders_count",
    "last_order_at",
]
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SegmentError(ValueError):
    """A segment that cannot be saved as asked (the message says why, for the form)."""


def _clean_name(name: str) -> str:
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise SegmentError(_("A segment needs a name."))
    if len(name) > NAME_MAX:
        raise SegmentError(_("The name is longer than %(count)d characters.") % {"count": NAME_MAX})
    return name


def _clean_description(description: str) -> str:
    return (description or "").replace("\x00", "").strip()[:DESCRIPTION_MAX]


def _count(segment: Segment) -> None:
    segment.customer_count = customers_in_segment(segment).count()
    segment.counted_at = timezone.now()
    segment.save(update_fields=["customer_count", "counted_at"])


@transaction.atomic
def create_segment(*, by: Any, name: str, definition: dict, description: str = "") -> Segment:
    """Save a new segment (definition validated; SegmentDefinitionError if bad) and count it."""
    name = _clean_name(name)
    canonical = parse_definition(definition).to_json()
    if Segment.objects.filter(name__iexact=name).exists():
        raise SegmentError(_("A segment with this name already exists."))
    user = by if getattr(by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            segment = Segment.objects.create(
                name=name,
                description=_clean_description(description),
                definition=canonical,
                created_by=user,
            )
    except IntegrityError:
        raise SegmentError(_("A segment with this name already exists.")) from None
    _count(segment)
    audit(actor=by, action=AuditAction.CREATE, obj=segment, fields=sorted(canonical))
    return segment


@transaction.atomic
def update_segment(
    segment: Segment, *, by: Any, name: str, definition: dict, description: str = ""
) -> Segment:
    """Change a segment's name, description or filter, and recount it."""
    name = _clean_name(name)
    canonical = parse_definition(definition).to_json()
    if Segment.objects.filter(name__iexact=name).exclude(pk=segment.pk).exists():
        raise SegmentError(_("A segment with this name already exists."))
    segment.name = name
    segment.description = _clean_description(description)
    segment.definition = canonical
    segment.save(update_fields=["name", "description", "definition", "updated_at"])
    _count(segment)
    audit(actor=by, action=AuditAction.CHANGE, obj=segment, fields=sorted(canonical))
    return segment


@transaction.atomic
def delete_segment(segment: Segment, *, by: Any) -> None:
    """Delete the segment; SegmentError while a campaign (or anything else) still uses it."""
    try:
        with transaction.atomic():
            segment.delete()
    except ProtectedError:
        raise SegmentError(_("The segment is used by a campaign and cannot be deleted.")) from None
    audit(actor=by, action=AuditAction.DELETE, obj=segment, detail=segment.name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line: csv.writer feeding a stream."""

    def write(self, value: str) -> str:
        return value


def export_segment_rows(
    segment: Segment, *, by: Any, ip_address: str | None = None
) -> Iterator[str]:
    """The segment's customers as CSV lines (header first), for a streaming response.

    The export is audited once, before the first line, with the number of customers: an export
    of personal data is recorded even if the download is cut off.
    """
    customers = customers_in_segment(segment).select_related("score")
    total = customers.count()
    audit(
        actor=by,
        action=AuditAction.EXPORT,
        obj=segment,
        fields=EXPORT_COLUMNS,
        detail=ngettext(
            "%(count)d customer exported as CSV", "%(count)d customers exported as CSV", total
        )
        % {"count": total},
        ip_address=ip_address,
    )
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for customer in customers.iterator(chunk_size=EXPORT_CHUNK):
        score = getattr(customer, "score", None)
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    customer.pk,
                    customer.email,
                    customer.first_name,
                    customer.last_name,
                    customer.company,
                    customer.language,
                    customer.form_of_address,
                    score.rfm_segment if score else None,
                    score.churn_alarm if score else None,
                    None if not score or score.churn_risk is None else round(score.churn_risk, 4),
                    score.clv_12m if score else None,
                    score.orders_count if score else None,
                    score.last_order_at if score else None,
                )
            ]
        )
