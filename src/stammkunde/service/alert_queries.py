"""Reads of the cases whose response-time clock warned or breached, for the desk's badge and
list (the mail about them is ``services/breach_alerts.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.models import (
    ACTIVE_STATUSES,
    Case,
)
from stammkunde.service.staff_scope import visible_cases


def _alerted_cases(user: Any) -> Any:
    """Active cases with a clock warning or breach that concern ``user``: assigned to them,
    or in a team they lead."""
    from stammkunde.service.models import TeamMember

    led = TeamMember.objects.filter(user=user, is_lead=True).values("team_id")
    cases = Case.objects.filter(status__in=ACTIVE_STATUSES, breach_warned_at__isnull=False)
    # A lead limited to shops is shown (and counted) only their shops' cases.
    return visible_cases(cases.filter(Q(assignee=user) | Q(team_id__in=led)), user).distinct()


def breach_alert_count(user: Any) -> int:
    """How many of ``user``'s cases are about to breach or have breached (a count only)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return _alerted_cases(user).count()


def breach_alerts(*, by: Any, limit: int = 50) -> list[Case]:
    """``by``'s cases whose clock warned or breached, breaches first, then by when they
    warned; audited with the customers shown."""
    cases = list(
        _alerted_cases(by)
        .select_related("customer", "assignee", "team")
        .order_by(F("breached_at").desc(nulls_last=True), "breach_warned_at", "id")[:limit]
    )
    if cases:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="service.case",
            customer_ids=[case.customer_id for case in cases],
            detail="breach alerts",
        )
    return cases
