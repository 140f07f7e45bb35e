"""The daily privacy housekeeping's steps (``customers.tasks.privacy_housekeeping``): deferred
erasures tried again, records kept under a retention duty erased when their period ends, and
the retention rules (``customers.retention``) applied."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.customers.models import (
    PrivacyRequest,
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from stammkunde.customers.privacy.erasure import carry_out, decide, erasure_check, request_erasure


def retry_deferred_erasures(*, today: date | None = None) -> int:
    """Try every deferred erasure again (the daily job); returns how many went through."""
    done = 0
    for record in PrivacyRequest.objects.filter(
        kind=PrivacyRequestKind.ERASURE, state=PrivacyRequestState.DEFERRED
    ).order_by("id"):
        with transaction.atomic():
            locked = PrivacyRequest.objects.select_for_update().get(pk=record.pk)
            if locked.state != PrivacyRequestState.DEFERRED:
                continue
            decide(locked, by=None, today=today)
            done += locked.state != PrivacyRequestState.DEFERRED
    return done


def _review_due(restricted_until: date | None, duties: list[dict[str, Any]], today: date) -> bool:
    """Whether a restricted erasure has records whose period ended: the last one's
    (``restricted_until``) or any kept record's own (a duty's ``first_until``)."""
    if restricted_until is not None and restricted_until < today:
        return True
    # A request restricted before duties named their first end is looked at once again.
    return any(
        "first_until" not in duty
        or (duty["first_until"] and date.fromisoformat(duty["first_until"]) < today)
        for duty in duties or ()
    )


def finish_expired_restrictions(*, today: date | None = None) -> int:
    """Erase the records kept for a retention period that has ended (the daily job): each
    kept record when its own period ends (an order of 2019 on 1 January 2028, though one of
    2026 keeps the request restricted until the end of 2034); a request with duties left stays
    restricted until the latest. Returns how many finished."""
    today = today or timezone.localdate()
    finished = 0
    restricted = PrivacyRequest.objects.filter(
        kind=PrivacyRequestKind.ERASURE, state=PrivacyRequestState.RESTRICTED
    ).order_by("id")
    due = [
        pk
        for pk, until, duties in restricted.values_list("pk", "restricted_until", "duties")
        if _review_due(until, duties, today)
    ]
    for pk in due:
        with transaction.atomic():
            locked = PrivacyRequest.objects.select_for_update().get(pk=pk)
            if locked.state != PrivacyRequestState.RESTRICTED:
                continue
            duties = erasure_check(locked.customer_id, today, shop_id=locked.shop_id).duties
            carry_out(locked, duties, by=None, today=today)
            finished += locked.state == PrivacyRequestState.DONE
    return finished


def erase_due_by_retention_rules(*, today: date | None = None) -> int:
    """Erase every customer a retention rule says is due (``customers.retention``); returns
    how many erasures were carried out (a deferred one counts when it goes through later)."""
    from stammkunde.customers.retention import due_erasures

    today = today or timezone.localdate()
    erased = 0
    for due in due_erasures(today=today, horizon_days=0, limit=10_000):
        record = request_erasure(
            due.customer_id,
            by=None,
            channel=PrivacyRequestChannel.RETENTION,
            reference=f"{due.rule}:{due.period_days}d",
            today=today,
        )
        erased += record.state != PrivacyRequestState.DEFERRED
    return erased
