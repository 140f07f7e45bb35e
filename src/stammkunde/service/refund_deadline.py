"""When a received return must be refunded (seed 003: "so schnell wie möglich"; our target:
within one business day), and whether the clock warns or has run out. No database.

One business day: by the close of the business day after the one the goods arrived on (goods
that arrive on a Friday afternoon are refunded by Monday's close; on a Saturday, by Tuesday's,
since Saturday belongs to Monday's business day when the desk is closed on weekends).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from stammkunde.service.business_hours import (
    BusinessCalendar,
    business_time_between,
    end_of_business_day,
    next_opening,
)

# The warning comes when this much business time is left.
WARN_BEFORE = timedelta(hours=2)


class RefundState(StrEnum):
    ON_TIME = "on_time"
    WARNING = "warning"
    OVERDUE = "overdue"


def refund_due_at(calendar: BusinessCalendar, received_at: datetime) -> datetime:
    """The close of the business day after the one ``received_at`` belongs to."""
    first_day_ends = end_of_business_day(calendar, received_at)
    return end_of_business_day(calendar, next_opening(calendar, first_day_ends))


def refund_state(
    calendar: BusinessCalendar,
    due_at: datetime,
    now: datetime,
    *,
    warn_before: timedelta = WARN_BEFORE,
) -> RefundState:
    """Overdue after ``due_at``; a warning once no more than ``warn_before`` business time is
    left; else on time."""
    if now >= due_at:
        return RefundState.OVERDUE
    if business_time_between(calendar, now, due_at) <= warn_before:
        return RefundState.WARNING
    return RefundState.ON_TIME
