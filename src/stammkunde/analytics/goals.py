"""The owner's goals (seed 001, "Operation": set targets, then watch progress).

Targets are stored in the unit the owner types them in: money for the average basket, orders
per customer for purchase frequency, customers for new customers per month, and percent (0 to
100) for the review and repeat rates. Actual values are those of the last complete month
from the precomputed KPIs of the scoring job (``analytics.queries.current_kpis``), so the
dashboard never scans orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.analytics.models import Goal, GoalKpi
from stammkunde.core.compiled import CompiledRead

# Every goal (a handful of rows), read on every dashboard: compiled once (core/compiled.py).
_GOALS = CompiledRead(lambda: Goal.objects.all())

PERCENT_KPIS = {GoalKpi.REVIEW_RATE, GoalKpi.REPEAT_RATE}
MAX_TARGET = Decimal("1000000000")


class GoalError(ValueError):
    """A target that cannot be set (the message says why, for the form)."""


@dataclass(frozen=True)
class GoalProgress:
    """One goal against the current value of its key figure."""

    kpi: str
    label: str
    target: Decimal
    actual: Decimal | None
    is_percent: bool
    is_money: bool

    @property
    def has_data(self) -> bool:
        return self.actual is not None

    @property
    def share(self) -> float | None:
        """Actual / target (1.0 = reached); None without data or for a zero target."""
        if self.actual is None or self.target <= 0:
            return None
        return float(self.actual / self.target)

    @property
    def reached(self) -> bool:
        return self.actual is not None and self.actual >= self.target

    @property
    def bar_percent(self) -> int:
        """Width of a progress bar, capped at 100."""
        share = self.share
        return 0 if share is None else max(0, min(100, round(share * 100)))


def clean_target(kpi: str, raw: Any) -> Decimal:
    """Validate a target for ``kpi``: a finite, non-negative number; percent at most 100."""
    if kpi not in GoalKpi.values:
        raise GoalError(_("Unknown key figure."))
    try:
        target = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise GoalError(_("The target must be a number.")) from None
    if not target.is_finite() or target < 0:
        raise GoalError(_("The target must be a number of zero or more."))
    if kpi in PERCENT_KPIS and target > 100:
        raise GoalError(_("A rate is given in percent: at most 100."))
    if target > MAX_TARGET:
        raise GoalError(_("The target is too large."))
    return target.quantize(Decimal("0.0001"))


@transaction.atomic
def set_goal(*, kpi: str, target: Any, by: Any) -> Goal:
    """Set (or replace) the target of one key figure."""
    value = clean_target(kpi, target)
    user = by if getattr(by, "is_authenticated", False) else None
    goal, _created = Goal.objects.update_or_create(
        kpi=kpi, defaults={"target": value, "set_by": user}
    )
    return goal


@transaction.atomic
def clear_goal(*, kpi: str, by: Any) -> None:
    """Remove the target of one key figure (nothing happens if none was set)."""
    Goal.objects.filter(kpi=kpi).delete()


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def actual_values(kpis: dict[str, Any]) -> dict[str, Decimal | None]:
    """The figures of the last complete month (``current_kpis()["current"]``) in goal units.

    Rates become percent. The review rate has no source yet (no reviews are recorded), so it
    stays None: "no data yet".
    """
    month = kpis.get("current")
    values: dict[str, Decimal | None] = {}
    for kpi in GoalKpi.values:
        value = _decimal(getattr(month, kpi, None)) if month is not None else None
        if value is not None and kpi in PERCENT_KPIS:
            value = (value * 100).quantize(Decimal("0.1"))
        values[kpi] = value
    return values


def goal_progress(kpis: dict[str, Any] | None = None) -> list[GoalProgress]:
    """Every set goal with the current value of its figure, in the order of GoalKpi."""
    if kpis is None:
        from stammkunde.analytics.queries import current_kpis

        kpis = current_kpis()
    actual = actual_values(kpis)
    goals = {goal.kpi: goal for goal in _GOALS.fetch()}
    return [
        GoalProgress(
            kpi=kpi,
            label=str(GoalKpi(kpi).label),
            target=goals[kpi].target,
            actual=actual[kpi],
            is_percent=kpi in PERCENT_KPIS,
            is_money=kpi == GoalKpi.AVERAGE_ORDER_VALUE,
        )
        for kpi in GoalKpi.values
        if kpi in goals
    ]
