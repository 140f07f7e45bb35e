"""Reads of the service desk for intake, the staff pages, jobs and reports."""

from __future__ import annotations

import re
from collections.abc import Iterable

from stammkunde.service.models import Case, CaseMessage
from stammkunde.service.models.cases import REFERENCE_PREFIX

REFERENCE_PATTERN = re.compile(rf"\[?\b{re.escape(REFERENCE_PREFIX)}(\d{{1,12}})\b\]?", re.I)


def reference_in(subject: str) -> str | None:
    """The first case reference in a subject ("Re: [VG-10234] ..." -> "VG-10234")."""
    match = REFERENCE_PATTERN.search(subject or "")
    return f"{REFERENCE_PREFIX}{match.group(1)}" if match else None


def case_by_reference(reference: str) -> Case | None:
    """The case with this reference (exact, case-insensitive prefix), or None."""
    if not reference:
        return None
    return (
        Case.objects.select_related("customer", "team", "assignee")
        .filter(reference=reference.upper())
        .first()
    )


def case_by_message_ids(message_ids: Iterable[str]) -> Case | None:
    """The case whose thread holds one of these Message-IDs (In-Reply-To first, then the
    References from newest to oldest: pass them in that order), or None."""
    ids = [mid.strip() for mid in message_ids if mid and mid.strip()]
    if not ids:
        return None
    found = dict(
        CaseMessage.objects.filter(message_id__in=ids).values_list("message_id", "case_id")
    )
    for mid in ids:
        if mid in found:
            return Case.objects.select_related("customer", "team", "assignee").get(pk=found[mid])
    return None
