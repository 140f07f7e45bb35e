"""KPI points with their early warnings: which changes are unusual and matter, in plain words.

The rule (documented in ``analytics.kpis`` and docs/ANALYTICS.md) scores each period's change
with ``kpis.changes``, ``seasonally_adjusted`` and ``robust_z_scores``; here a change is also
checked to be large enough and to rest on enough orders, and becomes a sentence in the reader's
language. Only the newest complete periods' warnings are news (``recent_warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _

from stammkunde.analytics.kpis import (
    EPOCH,
    HISTORY,
    KPI_KINDS,
    LAG,
    SEASON,
    changes,
    kpi_values,
    next_period_start,
    robust_z_scores,
    seasonally_adjusted,
)
from stammkunde.core.number_formats import format_number, format_percent

THRESHOLD = 3.5
# Changes smaller than this are never worth a warning, however calm the history: 10% for
# amounts and counts (as a log ratio), 2 percentage points for rates.
MIN_CHANGE = {"ratio": float(np.log(1.1)), "difference": 0.02}
# Counts (orders, new and returning customers) must move by at least this many.
MIN_COUNT_CHANGE = 5
# Orders each of the two compared periods needs before a change of an amount, or of a rate,
# is judged: below that, one or two orders swing the figure.
MIN_ORDERS = {"ratio": 10, "difference": 20}
COUNT_KPIS = {"orders", "new_customers", "returning_customers"}
# How many of the newest complete periods the warnings shown come from.
RECENT_PERIODS = {"day": 7, "week": 2, "month": 2}


@dataclass(frozen=True)
class KpiWarning:
    kpi: str
    change: float  # relative change (0.25 = +25%) or difference of rates (0.05 = +5 points)
    message: str
    z_score: float = 0.0


@dataclass
class KpiPoint:
    period_start: date
    revenue: Decimal
    orders: int
    average_order_value: Decimal | None
    purchase_frequency: float | None
    repeat_rate: float | None
    new_customers: int
    returning_customers: int
    return_rate: float | None
    customers: int = 0
    is_partial: bool = False
    warnings: list[KpiWarning] = field(default_factory=list)


def _label(kpi: str) -> str:
    labels = {
        "revenue": _("Revenue"),
        "orders": _("Orders"),
        "average_order_value": _("Average basket value"),
        "purchase_frequency": _("Purchase frequency"),
        "new_customers": _("New customers"),
        "returning_customers": _("Returning customers"),
        "repeat_rate": _("Repeat-purchase rate"),
        "return_rate": _("Return rate"),
    }
    return labels[kpi]


def _message(kpi: str, kind: str, change: float, period: str) -> str:
    comparison = {
        "day": _("the same weekday a week earlier"),
        "week": _("the previous week"),
        "month": _("the previous month"),
    }[period]
    if kind == "ratio":
        text = (
            _("%(kpi)s rose by %(change)s compared with %(comparison)s; unusual for this shop.")
            if change > 0
            else _(
                "%(kpi)s fell by %(change)s compared with %(comparison)s; unusual for this shop."
            )
        )
        shown = format_percent(abs(change), 0)
    else:
        text = (
            _(
                "%(kpi)s rose by %(change)s percentage points compared with %(comparison)s;"
                " unusual for this shop."
            )
            if change > 0
            else _(
                "%(kpi)s fell by %(change)s percentage points compared with %(comparison)s;"
                " unusual for this shop."
            )
        )
        shown = format_number(round(abs(change) * 100, 1), 1)
    return text % {"kpi": _label(kpi), "change": shown, "comparison": comparison}


def _lagged(values: np.ndarray, lag: int) -> np.ndarray:
    """Each period's value ``lag`` periods earlier (NaN where there is none)."""
    earlier = np.full(values.shape, np.nan)
    if values.size > lag:
        earlier[lag:] = values[:-lag]
    return earlier


def _matters(
    values: dict[str, np.ndarray],
    kpi: str,
    kind: str,
    change: np.ndarray,
    adjusted: np.ndarray,
    *,
    lag: int,
) -> np.ndarray:
    """Whether each period's change is large enough, and rests on enough orders, to report."""
    minimum = MIN_CHANGE[kind]
    large = (np.abs(np.nan_to_num(change)) >= minimum) & (
        np.abs(np.nan_to_num(adjusted)) >= minimum
    )
    orders = np.nan_to_num(values["orders"])
    enough_orders = np.minimum(orders, np.nan_to_num(_lagged(orders, lag))) >= MIN_ORDERS[kind]
    if kpi in COUNT_KPIS:
        current = np.nan_to_num(values[kpi])
        moved = np.abs(current - np.nan_to_num(_lagged(values[kpi], lag))) >= MIN_COUNT_CHANGE
        return large & moved
    return large & enough_orders


def recent_warnings(points: list[KpiPoint], period: str) -> list[tuple[date, KpiWarning]]:
    """The warnings of the newest complete periods (``RECENT_PERIODS``), newest first.

    Older warnings stay on their points (the charts may mark them) but are not news.
    """
    complete = [point for point in points if not point.is_partial]
    recent = complete[-RECENT_PERIODS[period] :]
    return [
        (point.period_start, warning) for point in reversed(recent) for warning in point.warnings
    ]


def build_points(rows: dict[str, np.ndarray], period: str, today: date) -> list[KpiPoint]:
    """KPI points with warnings from dense per-period counts (``start`` as day numbers)."""
    values = kpi_values(rows)
    starts = np.asarray(rows["start"], dtype=np.int64)
    today_number = (today - EPOCH).days
    partial = np.array(
        [next_period_start(int(s), period) > today_number for s in starts], dtype=bool
    )
    warnings: list[list[KpiWarning]] = [[] for _ in range(starts.size)]
    for kpi, kind in KPI_KINDS.items():
        change = changes(values[kpi], kind=kind, lag=LAG[period])
        # The unfinished period neither gets judged nor enters the history of later ones.
        change[partial] = np.nan
        unusual = seasonally_adjusted(change, season=SEASON[period])
        z = robust_z_scores(unusual, history=HISTORY[period])
        large = _matters(values, kpi, kind, change, unusual, lag=LAG[period])
        for index in np.flatnonzero((np.abs(np.nan_to_num(z)) > THRESHOLD) & large):
            shown = float(np.expm1(change[index])) if kind == "ratio" else float(change[index])
            warnings[index].append(
                KpiWarning(
                    kpi=kpi,
                    change=round(shown, 4),
                    message=_message(kpi, kind, shown, period),
                    z_score=round(float(z[index]), 2),
                )
            )
    points = []
    for index, start in enumerate(starts):
        aov = values["average_order_value"][index]
        points.append(
            KpiPoint(
                period_start=EPOCH + timedelta(days=int(start)),
                revenue=_money(values["revenue"][index]),
                orders=int(values["orders"][index]),
                average_order_value=_money(aov) if np.isfinite(aov) else None,
                purchase_frequency=_rounded(values["purchase_frequency"][index]),
                repeat_rate=_rounded(values["repeat_rate"][index]),
                new_customers=int(values["new_customers"][index]),
                returning_customers=int(values["returning_customers"][index]),
                return_rate=_rounded(values["return_rate"][index]),
                customers=int(rows["customers"][index]),
                is_partial=bool(partial[index]),
                warnings=warnings[index],
            )
        )
    return points


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def _rounded(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
