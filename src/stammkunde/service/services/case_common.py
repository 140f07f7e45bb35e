"""What the case services share: limits, the error, the timeline and event helpers, the
service address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from stammkunde.service.models import (
    Case,
    CaseChannel,
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


def next_reference() -> str:
    # One inserted row per number: race-free on SQLite and PostgreSQL (see CaseNumber).
    return f"{REFERENCE_PREFIX}{FIRST_NUMBER + CaseNumber.objects.create().pk}"


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
