"""Writes of saved segments, and their CSV export (personal data: audited)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from stammkunde.analytics.models import RFMSegment, Segment
from stammkunde.analytics.segment_definitions import parse_definition
from stammkunde.analytics.segments import customers_in_segment
from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core import spreadsheet
from stammkunde.core.scoping import in_customer_scope
from stammkunde.customers.models import FormOfAddress, Salutation

NAME_MAX = 100
DESCRIPTION_MAX = 1000
EXPORT_CHUNK = 2_000
# The export's columns: (field name, header as the reader reads it).
EXPORT_COLUMNS = [
    ("customer_id", _lazy("Customer number")),
    ("salutation", _lazy("Salutation")),
    ("title", _lazy("Title")),
    ("first_name", _lazy("First name")),
    ("last_name", _lazy("Last name")),
    ("email", _lazy("E-mail")),
    ("company", _lazy("Company")),
    ("language", _lazy("Language")),
    ("form_of_address", _lazy("Form of address")),
    ("rfm_segment", _lazy("RFM segment")),
    ("churn_alarm", _lazy("Churn alarm")),
    ("churn_risk", _lazy("Churn risk")),
    ("clv_12m", _lazy("CLV 12 months")),
    ("orders_count", _lazy("Orders")),
    ("last_order_at", _lazy("Last order")),
]
EXPORT_FIELDS = [name for name, _header in EXPORT_COLUMNS]


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


def export_segment_rows(
    segment: Segment,
    *,
    by: Any,
    ip_address: str | None = None,
    language: str | None = None,
    separator: str | None = None,
) -> Iterator[bytes]:
    """The segment's customers as an Excel-safe CSV (``core.spreadsheet``: UTF-8 with BOM, every
    field quoted, no formula cells), in chunks for a streaming response.

    Headers, salutation and separator follow ``language`` (default: the active one; German:
    ``;`` and decimal comma), unless ``separator`` is given. They are fixed before the first
    chunk: a streamed response is read after the request's language was switched back.

    The export is audited once, before the first line, with the number of customers: an export
    of personal data is recorded even if the download is cut off.
    """
    language = language or translation.get_language() or "de"
    separator = separator or spreadsheet.separator_for(language)
    with translation.override(language):
        header = [str(title) for _name, title in EXPORT_COLUMNS]
        salutations = {value: str(label) for value, label in Salutation.choices if value}
        forms = {value: str(label) for value, label in FormOfAddress.choices if value}
        segments = {value: str(label) for value, label in RFMSegment.choices}
        yes, no = _("yes"), _("no")
    # Staff limited to shops export only their shops' customers.
    customers = in_customer_scope(customers_in_segment(segment), by).select_related("score")
    # The row names every customer exported, so each one's trail (and GDPR export) shows it.
    exported = list(customers.values_list("pk", flat=True))
    total = len(exported)
    audit(
        actor=by,
        action=AuditAction.EXPORT,
        obj=segment,
        customer_ids=exported,
        fields=EXPORT_FIELDS,
        detail=ngettext(
            "%(count)d customer exported as CSV", "%(count)d customers exported as CSV", total
        )
        % {"count": total},
        ip_address=ip_address,
    )

    def rows() -> Iterator[list[Any]]:
        for customer in customers.iterator(chunk_size=EXPORT_CHUNK):
            score = getattr(customer, "score", None)
            alarm = score.churn_alarm if score else None
            yield [
                customer.pk,
                salutations.get(customer.salutation, ""),
                customer.title,
                customer.first_name,
                customer.last_name,
                customer.email,
                customer.company,
                customer.language,
                forms.get(customer.form_of_address, customer.form_of_address),
                segments.get(score.rfm_segment, score.rfm_segment) if score else None,
                None if alarm is None else (yes if alarm else no),
                None if not score or score.churn_risk is None else round(score.churn_risk, 4),
                score.clv_12m if score else None,
                score.orders_count if score else None,
                score.last_order_at if score else None,
            ]

    return spreadsheet.stream_rows(header, rows(), separator=separator)
