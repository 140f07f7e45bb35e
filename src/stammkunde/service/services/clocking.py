"""The response clock on stored cases: which standard applies and when the case is due.

Called by the case services whenever the team, the type or the waiting state changes; the
arithmetic is ``service.clock`` on ``service.business_hours``.
"""

from __future__ import annotations

from datetime import datetime

from stammkunde.service.business_hours import CalendarError
from stammkunde.service.clock import Standard, due_times, pause_to_json, pauses_from_json
from stammkunde.service.models import Case, Team
from stammkunde.service.services import desk_settings


def standard_for(team: Team, case_type: str) -> Standard:
    """The team's targets for ``case_type``, else the team's own, else the defaults (the same
    business day; resolved within the desk's default resolution target)."""
    return desk_settings.standard_for(team, case_type)


def refresh_due_times(case: Case) -> list[str]:
    """Recompute the case's due times in place; returns the changed field names (for
    ``update_fields``). A case without a team, or a team whose calendar cannot be used, has
    no due times."""
    first, resolution = None, None
    if case.team is not None:
        try:
            calendar = desk_settings.calendar(case.team)
            due = due_times(
                calendar,
                case.opened_at,
                standard_for(case.team, case.case_type),
                pauses=pauses_from_json(case.pauses),
            )
            first, resolution = due.first_response, due.resolution
        except CalendarError:
            pass
    if case.first_response_at is not None:
        first = case.first_response_due_at or first
    changed = []
    if case.first_response_due_at != first:
        case.first_response_due_at = first
        changed.append("first_response_due_at")
    if case.resolution_due_at != resolution:
        case.resolution_due_at = resolution
        changed.append("resolution_due_at")
    return changed


def start_pause(case: Case, now: datetime) -> list[str]:
    """Stop the clock: the case now waits for the customer."""
    if case.waiting_since is not None:
        return []
    case.waiting_since = now
    case.pauses = [*case.pauses, pause_to_json(now, None)]
    return ["waiting_since", "pauses", *refresh_due_times(case)]


def end_pause(case: Case, now: datetime) -> list[str]:
    """Run the clock again: the customer answered, or staff took the case up again."""
    if case.waiting_since is None:
        return []
    pauses = [list(pause) for pause in case.pauses]
    if pauses and pauses[-1][1] is None:
        pauses[-1][1] = now.isoformat()
    case.pauses = pauses
    case.waiting_since = None
    return ["waiting_since", "pauses", *refresh_due_times(case)]
