"""A case's status, assignment and escalation, each one transaction with its timeline entry,
audit row and event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.service import events
from stammkunde.service.models import (
    Case,
    CasePriority,
    CaseStatus,
    CaseType,
    EscalationReason,
    Team,
)
from stammkunde.service.services import clocking, outside, routing
from stammkunde.service.services.case_common import (
    CaseError,
    display_name,
    event_fields,
    record_case_activity,
    refuse_if_restricted,
)
from stammkunde.timeline.models import ActivityKind

# The timeline kind of a status with an entry of its own (the others are "status changed").

STATUS_KINDS = {
    CaseStatus.SOLVED: ActivityKind.CASE_SOLVED,
    CaseStatus.CLOSED: ActivityKind.CASE_CLOSED,
}


@transaction.atomic
def set_status(case: Case, status: str, *, by: Any, at: datetime | None = None) -> Case:
    """Move the case to ``status``. Waiting for the customer stops the clock, any other
    state runs it; solving releases the contact holds (a complaint's lingers 30 days) and
    publishes ``service.CaseSolved``; taking up a solved or closed case reopens it (holds set
    again). ``at``: when it happened (default now; the demo's history)."""
    refuse_if_restricted(case)
    if status not in CaseStatus.values:
        raise CaseError(_("Unknown status %(status)r.") % {"status": status})
    if status == case.status:
        return case
    now = at or timezone.now()
    was_active = case.is_active
    previous = case.status
    case.status = status
    changed = ["status"]
    if status == CaseStatus.WAITING_CUSTOMER:
        changed += clocking.start_pause(case, now)
    else:
        changed += clocking.end_pause(case, now)
    if status == CaseStatus.SOLVED:
        case.solved_at = now
        changed.append("solved_at")
    elif status == CaseStatus.CLOSED:
        case.closed_at = now
        changed.append("closed_at")
        if previous != CaseStatus.SOLVED:
            case.solved_at = case.solved_at or now
            changed.append("solved_at")
    elif not was_active:
        case.solved_at = None
        case.closed_at = None
        changed += ["solved_at", "closed_at"]
    case.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if not was_active and case.is_active:
        record_case_activity(case, ActivityKind.CASE_REOPENED, by=by, occurred_at=now)
        outside.set_holds(
            customer_id=case.customer_id,
            reference=case.reference,
            complaint=case.case_type == CaseType.COMPLAINT,
            by=by,
        )
    elif status in STATUS_KINDS:
        record_case_activity(case, STATUS_KINDS[status], by=by, occurred_at=now)
    else:
        record_case_activity(
            case,
            ActivityKind.CASE_STATUS_CHANGED,
            by=by,
            params={"status": status},
            occurred_at=now,
        )
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=["status"],
        detail=f"{previous} -> {status}",
    )
    if was_active and not case.is_active:
        outside.release_holds(
            customer_id=case.customer_id,
            reference=case.reference,
            complaint=case.case_type == CaseType.COMPLAINT,
            by=by,
        )
        if status == CaseStatus.SOLVED or previous != CaseStatus.SOLVED:
            publish(events.CaseSolved(occurred_at=now, **event_fields(case)))
    return case


@transaction.atomic
def assign(case: Case, user: Any, *, by: Any, team: Team | None = None) -> Case:
    """Give the case to ``user`` (None: back to the team queue), optionally moving it to
    ``team`` (its standards then apply). A user who is away hands it on to their substitute
    or a colleague at once."""
    refuse_if_restricted(case)
    now = timezone.now()
    changed = []
    if team is not None and team.pk != case.team_id:
        case.team = team
        changed += ["team", *clocking.refresh_due_times(case)]
    if user is not None:
        stand_in = routing.stand_in_for(user, case.team, now=now)
        user = stand_in or user
    if (user.pk if user else None) != case.assignee_id:
        case.assignee = user
        changed.append("assignee")
    if not changed:
        return case
    if case.status == CaseStatus.NEW and user is not None:
        case.status = CaseStatus.OPEN
        changed.append("status")
    case.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    params = {}
    if user is not None:
        params["assignee"] = display_name(user)
    if case.team is not None:
        params["team"] = case.team.name
    record_case_activity(case, ActivityKind.CASE_ASSIGNED, by=by, params=params, occurred_at=now)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=[field for field in changed if field in ("team", "assignee")],
        detail=f"assigned {case.reference}",
    )
    return case


@transaction.atomic
def escalate(
    case: Case, *, by: Any, reason: str = EscalationReason.MANUAL, at: datetime | None = None
) -> Case:
    """Hand the case to the mediator's queue with its reason (a button, or a rule with
    ``by`` None). A case already escalated stays with its first reason; the priority rises
    to high. Publishes ``service.CaseEscalated``. ``at``: when (default now)."""
    refuse_if_restricted(case)
    if reason not in EscalationReason.values:
        raise CaseError(_("Unknown escalation reason %(reason)r.") % {"reason": reason})
    if case.escalated_at is not None:
        return case
    now = at or timezone.now()
    case.escalated_at = now
    case.escalation_reason = reason
    case.escalated_by = by if getattr(by, "is_authenticated", False) else None
    changed = ["escalated_at", "escalation_reason", "escalated_by"]
    if case.priority in (CasePriority.LOW, CasePriority.NORMAL):
        case.priority = CasePriority.HIGH
        changed.append("priority")
    case.save(update_fields=[*changed, "updated_at"])
    record_case_activity(
        case, ActivityKind.CASE_ESCALATED, by=by, params={"reason": reason}, occurred_at=now
    )
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=["escalated_at", "escalation_reason"],
        detail=f"escalated {case.reference}: {reason}",
    )
    publish(events.CaseEscalated(occurred_at=now, reason=reason, **event_fields(case)))
    return case
