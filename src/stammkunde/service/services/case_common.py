"""What the case services share: limits, the error, the timeline and event helpers, the
service address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.bulk import insert_one
from stammkunde.service.models import (
    Case,
    CaseChannel,
    CaseMessage,
    CaseNumber,
)
from stammkunde.service.models.cases import FIRST_NUMBER, REFERENCE_PREFIX
from stammkunde.timeline.models import ActivityKind, Channel
from stammkunde.timeline.services import record_activity

SUBJECT_MAX = 300
TEXT_MAX = 100_000
# Timeline channel of each case channel.
TIMELINE_CHANNELS = {
    CaseChannel.EMAIL: Channel.EMAIL,
    CaseChannel.PHONE: Channel.PHONE,
    CaseChannel.WEB_FORM: Channel.SHOP,
    CaseChannel.CHAT_NOTE: Channel.CHAT,
    CaseChannel.LETTER: Channel.LETTER,
}


class CaseError(ValueError):
    """A change to a case that cannot be made; the message is meant for the user."""


def is_restricted(case: Case) -> bool:
    """Whether processing of the case is restricted (Art. 18 GDPR): kept after an erasure
    (``Case.restricted_until``, or of an erased customer), or of a customer whose processing
    staff restricted. Restricted, a case is stored and shown, marked, but not worked on."""
    return case.processing_restricted


def restricted_message(case: Case | None = None, *, customer: Any = None) -> str:
    """Why a restricted case (``case``, or a case of ``customer``, when known) is not worked
    on, for the user."""
    if (case is not None and not case.kept_after_erasure) or (
        customer is not None and customer.status != "erased"
    ):
        # Restricted by staff (Art. 18 (1)): while it lasts, the data is only stored (Art. 18
        # (2)); the customer's consent or a legal claim is for whoever lifts the restriction
        # to judge, not for each agent.
        return _(
            "Processing of this customer's data is restricted (Art. 18 GDPR): their cases "
            "are kept but not answered, changed, merged or used for goodwill, macros or "
            "messages. Whoever may erase customer data can lift the restriction on the "
            "customer's privacy page."
        )
    return _(
        "Processing of this case is restricted (Art. 18 GDPR): it is kept after an erasure "
        "only for the retention the law requires, and is not answered, changed, merged or "
        "used for goodwill, macros or messages."
    )


def refuse_if_restricted(*cases: Case) -> None:
    """Raise ``CaseError`` when one of ``cases`` is restricted (``is_restricted``)."""
    for case in cases:
        if is_restricted(case):
            raise CaseError(restricted_message(case))


def next_reference() -> str:
    """The reference of a new case ("VG-10234")."""
    # One inserted row per number: race-free on SQLite and PostgreSQL (see CaseNumber). The
    # statement is written here: the row has no value of its own, and the ORM's save path
    # (an instance, its fields, signals, the compiled INSERT) cost five times the insert.
    quote = connection.ops.quote_name
    table, pk = quote(CaseNumber._meta.db_table), quote(CaseNumber._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} DEFAULT VALUES RETURNING {pk}")
        (number,) = cursor.fetchone()
    return f"{REFERENCE_PREFIX}{FIRST_NUMBER + number}"


def event_fields(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "reference": case.reference,
        "customer_id": case.customer_id,
        "case_type": case.case_type,
        "team_id": case.team_id,
        "subject": case.subject,
        "assignee_name": display_name(case.assignee),
        "assignee_email": getattr(case.assignee, "email", "") or "",
    }


def record_case_activity(
    case: Case, kind: ActivityKind, *, by: Any, params: dict | None = None, **extra: Any
):
    return record_activity(
        customer_id=case.customer_id,
        kind=kind,
        params={"case": case.reference, **(params or {})},
        actor=by,
        subject=case,
        **extra,
    )


def add_to_thread(
    case: Case, *, direction: str, by: Any, subject: str, created_at: Any, **fields: Any
) -> CaseMessage:
    """Write one message of the case's thread (the customer's, our reply or a note); ``by`` is
    its author when a staff user wrote or filed it. ``fields`` are further ``CaseMessage``
    fields (addresses, text, HTML, Message-IDs, the inbound mail)."""
    message = CaseMessage(
        case=case,
        direction=direction,
        author=by if getattr(by, "is_authenticated", False) else None,
        subject=subject[:SUBJECT_MAX],
        created_at=created_at,
        **fields,
    )
    insert_one(message)
    return message


def record_thread_message(
    case: Case,
    message: CaseMessage,
    *,
    by: Any,
    kind: ActivityKind,
    params: dict,
    detail: str,
    **timeline: Any,
) -> None:
    """The customer's timeline entry (``kind`` with ``params``, ``timeline`` its channel,
    direction, time) and the audit row (``detail`` on the reference) of a new message."""
    record_activity(
        customer_id=case.customer_id,
        kind=kind,
        params=params,
        actor=by,
        subject=case,
        **timeline,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=message,
        customer_id=case.customer_id,
        detail=f"{detail} on {case.reference}",
    )


def clean_text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_("%(field)s must not be empty.") % {"field": field})
    if len(value) > limit:
        raise CaseError(
            _("%(field)s is longer than %(limit)s characters.") % {"field": field, "limit": limit}
        )
    return value


def display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def service_address() -> str:
    """The address customers write to and our replies come from (and are answered to)."""
    return getattr(settings, "SERVICE_ADDRESS", "") or settings.DEFAULT_FROM_EMAIL
