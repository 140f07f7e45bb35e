"""The periodic checks of the desk: a standard about to be breached warns (the case is marked
and stands out in the queue), a breached one escalates when the team says so, and the cases
of anybody who is away go to their substitute or a colleague."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.models import ACTIVE_STATUSES, Case, CaseStatus, EscalationReason
from stammkunde.service.services import breach_alerts, routing
from stammkunde.service.services import cases as case_services
from stammkunde.service.services.case_common import is_restricted

# A breach the check finds more than this long after the due time is not one it saw coming
# (it runs every five minutes): the due time was set or moved into the past at once, as
# migration 0009 did for the old open cases on upgrade, a lowered target does for many open
# cases, or a mail filed days late does; or the job did not run. Such breaches are marked
# (overdue in the queue, on the desk's list, in the report) but neither mailed one by one nor
# escalated: after an upgrade that was a mail per case to every lead and a full mediator's
# queue at once. Each person concerned gets one mail listing them instead.
FOUND_LATE_AFTER = timedelta(hours=1)


@dataclass
class CheckResult:
    warned: int = 0
    breached: int = 0
    found_late: int = 0
    alerts_queued: int = 0
    escalated: int = 0
    handed_over: int = 0


def _due(case: Case) -> datetime | None:
    # The first response is the promise until it is kept; then the resolution target.
    if case.first_response_at is None:
        return case.first_response_due_at
    return case.resolution_due_at


def check_response_times(now: datetime | None = None) -> CheckResult:
    """Warn before a breach and mark (and, by the team's rule, escalate) a breach. Each case
    is worked in its own transaction; a second run in the same minute changes nothing."""
    now = now or timezone.now()
    result = CheckResult()
    horizon = now + timedelta(days=1)
    candidates = (
        Case.objects.filter(status__in=ACTIVE_STATUSES)
        .exclude(status=CaseStatus.WAITING_CUSTOMER)
        .filter(
            Q(first_response_at__isnull=True, first_response_due_at__lte=horizon)
            | Q(first_response_at__isnull=False, resolution_due_at__lte=horizon)
        )
        .filter(Q(breach_warned_at__isnull=True) | Q(breached_at__isnull=True))
        .select_related("team", "customer", "assignee", "assignee__staff_preference")
    )
    found_late: list[tuple[Case, datetime]] = []
    for case in candidates:
        due = _due(case)
        if due is None or case.team is None or is_restricted(case):
            # A restricted case (Art. 18 GDPR) is not worked on: nobody is told to, and it is
            # not escalated (its clocks are looked at again once the restriction is lifted).
            continue
        warn_before = timedelta(minutes=case.team.warn_before_minutes)
        with transaction.atomic():
            if now >= due and case.breached_at is None:
                late = now - due > FOUND_LATE_AFTER
                Case.objects.filter(pk=case.pk).update(
                    breached_at=now, breach_warned_at=case.breach_warned_at or now
                )
                case.breached_at = now
                result.breached += 1
                audit(
                    actor=None,
                    action=AuditAction.CHANGE,
                    obj=case,
                    customer_id=case.customer_id,
                    fields=["breached_at"],
                    detail=f"standard breached on {case.reference}"
                    + (" (found late)" if late else ""),
                )
                if late:
                    found_late.append((case, due))
                    result.found_late += 1
                    continue
                result.alerts_queued += breach_alerts.alert_people(
                    case, kind=breach_alerts.BREACH, due=due, at=now
                )
                if case.team.escalate_on_breach and case.escalated_at is None:
                    case_services.escalate(case, by=None, reason=EscalationReason.RESPONSE_TIME)
                    result.escalated += 1
            elif now >= due - warn_before and case.breach_warned_at is None:
                Case.objects.filter(pk=case.pk).update(breach_warned_at=now)
                result.warned += 1
                result.alerts_queued += breach_alerts.alert_people(
                    case, kind=breach_alerts.WARNING, due=due, at=now
                )
    if found_late:
        # After the marks: a crash in between leaves them marked and listed, without the mail.
        result.alerts_queued += breach_alerts.alert_found_late(found_late, at=now)
    return result


def hand_over_absent_cases(now: datetime | None = None) -> int:
    """Give the active cases of everyone away now to their stand-in; returns how many moved."""
    now = now or timezone.now()
    moved = 0
    for case in routing.cases_of_absent_assignees(now):
        if is_restricted(case):
            continue  # not worked on by anybody while restricted (Art. 18 GDPR)
        stand_in = routing.stand_in_for(case.assignee, case.team, now=now)
        with transaction.atomic():
            case_services.assign(case, stand_in, by=None)
        moved += 1
    return moved


def run_checks() -> CheckResult:
    """Everything the desk's periodic job does, once."""
    result = check_response_times()
    result.handed_over = hand_over_absent_cases()
    return result
