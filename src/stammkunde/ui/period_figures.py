"""The key figures of the last complete period, shared by the start page and the dashboard.

Both pages read the same KPI points (``analytics.queries.kpi_series``) and build their tiles
here, so the start page's revenue for November is the dashboard's revenue for November. Each
tile carries the period it covers ("November 2026", "23.11.2026 - 29.11.2026", "2 Dec 2026") and the
period it is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

RATE_KPIS = {"repeat_rate", "return_rate"}
MONEY_KPIS = {"revenue", "average_order_value"}


@dataclass(frozen=True)
class Figure:
    """A figure of one complete period and its change against the period before."""

    kpi: str
    label: str
    value: Any
    change: float | None  # relative change, or points for rates
    is_rate: bool
    is_money: bool
    period_label: str = ""


@dataclass(frozen=True)
class PeriodFigures:
    """The tiles of the last complete period, what it is compared with, and the period so far."""

    period: str
    period_label: str
    compared_label: str
    figures: list[Figure] = field(default_factory=list)
    so_far_label: str = ""

    def only(self, *kpis: str) -> list[Figure]:
        """The figures of the named KPIs, in that order (the start page shows a few)."""
        by_kpi = {figure.kpi: figure for figure in self.figures}
        return [by_kpi[kpi] for kpi in kpis if kpi in by_kpi]


def _labels() -> dict[str, str]:
    return {
        "revenue": _("Revenue"),
        "orders": _("Orders"),
        "average_order_value": _("Average basket value"),
        "purchase_frequency": _("Orders per customer"),
        "repeat_rate": _("Repeat-purchase rate"),
        "new_customers": _("New customers"),
        "returning_customers": _("Returning customers"),
        "return_rate": _("Return rate"),
    }


def period_label(start: date, period: str) -> str:
    """The period starting on ``start`` in words of the UI language."""
    if period == "month":
        return date_format(start, "F Y")
    if period == "week":
        first = date_format(start, "SHORT_DATE_FORMAT")
        last = date_format(start + timedelta(days=6), "SHORT_DATE_FORMAT")
        # An en dash between two dates reads the same in German and English.
        return f"{first}\u2013{last}"
    return date_format(start, "SHORT_DATE_FORMAT")


def period_figures(points: list, period: str) -> PeriodFigures | None:
    """Tiles of the last complete period in ``points``, or None when no period is complete."""
    complete = [point for point in points if not point.is_partial]
    if not complete:
        return None
    current = complete[-1]
    previous = complete[-2] if len(complete) > 1 else None
    label = period_label(current.period_start, period)
    figures = []
    for kpi, name in _labels().items():
        value = getattr(current, kpi)
        before = getattr(previous, kpi) if previous is not None else None
        change = None
        if value is not None and before is not None:
            if kpi in RATE_KPIS:
                change = float(value) - float(before)
            elif before:
                change = float(value) / float(before) - 1
        figures.append(Figure(kpi, name, value, change, kpi in RATE_KPIS, kpi in MONEY_KPIS, label))
    so_far = points[-1] if points and points[-1].is_partial else None
    return PeriodFigures(
        period=period,
        period_label=label,
        compared_label=period_label(previous.period_start, period) if previous else "",
        figures=figures,
        so_far_label=period_label(so_far.period_start, period) if so_far else "",
    )
