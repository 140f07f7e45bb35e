"""Reads behind the dashboard's charts: the churn-risk and CLV histograms and the cohort table.

All of them read what the nightly job stored (the latest run's summary, the cohort cells), never
the orders themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.db.models import QuerySet, Sum

from stammkunde.analytics.models import CohortCell
from stammkunde.analytics.queries import latest_run, main_currency


@dataclass(frozen=True)
class CohortRow:
    cohort_month: date
    size: int
    customers: list[int]
    retention: list[float]  # share of the cohort buying in month offset k (k = 0 is 1.0)
    revenue: list[Decimal]


@dataclass(frozen=True)
class CohortTable:
    currency: str
    months: int
    rows: list[CohortRow] = field(default_factory=list)


def _cells(currency: str, shop_ids: Collection[int] | None) -> QuerySet[CohortCell]:
    cells = CohortCell.objects.filter(currency=currency)
    if shop_ids is None:
        return cells.filter(shop__isnull=True)
    return cells.filter(shop_id__in=list(shop_ids))


def cohort_table(
    months: int = 24, *, currency: str | None = None, shop_ids: Collection[int] | None = None
) -> CohortTable:
    """The last ``months`` acquisition cohorts with retention and revenue per month offset.

    ``shop_ids`` None: all shops together; else the cells of these shops summed (each shop's
    cohorts by the first order there), retention computed from the summed customers.
    """
    months = max(1, min(int(months), 120))
    currency = currency or main_currency()
    latest = (
        _cells(currency, shop_ids)
        .order_by("-cohort_month")
        .values_list("cohort_month", flat=True)
        .first()
    )
    if latest is None:
        return CohortTable(currency=currency, months=months)
    first = _add_months(latest, -(months - 1))
    cells = (
        _cells(currency, shop_ids)
        .filter(cohort_month__gte=first)
        .values_list("cohort_month", "month_offset")
        .annotate(Sum("customers"), Sum("revenue"))
        .order_by("cohort_month", "month_offset")
    )
    by_cohort: dict[date, dict[int, tuple[int, Decimal]]] = {}
    for month, offset, customers, revenue in cells:
        by_cohort.setdefault(month, {})[offset] = (customers, revenue)
    rows = []
    for month, offsets in by_cohort.items():
        size = offsets.get(0, (0, Decimal(0)))[0]
        span = _months_between(month, latest) + 1
        customers = [offsets.get(k, (0, Decimal(0)))[0] for k in range(span)]
        revenue = [Decimal(offsets.get(k, (0, Decimal(0)))[1]) for k in range(span)]
        retention = [round(count / size, 4) if size else 0.0 for count in customers]
        rows.append(CohortRow(month, size, customers, retention, revenue))
    return CohortTable(currency=currency, months=months, rows=rows)


def _add_months(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


@dataclass(frozen=True)
class HistogramBin:
    low: float
    high: float | None  # None: open-ended (everything above ``low``)
    count: int


def _merge_bins(stored: dict | None, bins: int) -> list[HistogramBin]:
    if not stored or not stored.get("counts"):
        return []
    counts = np.asarray(stored["counts"], dtype=np.int64)
    bins = max(1, min(int(bins), counts.size))
    low, high = float(stored["low"]), float(stored["high"])
    # Each fine bin goes to the coarse bin that holds its centre.
    centres = (np.arange(counts.size) + 0.5) / counts.size
    target = np.minimum((centres * bins).astype(int), bins - 1)
    merged = np.bincount(target, weights=counts, minlength=bins).astype(int)
    width = (high - low) / bins
    result = [
        HistogramBin(round(low + k * width, 4), round(low + (k + 1) * width, 4), int(merged[k]))
        for k in range(bins)
    ]
    if stored.get("above"):
        result.append(HistogramBin(round(high, 4), None, int(stored["above"])))
    return result


def churn_risk_histogram(bins: int = 10) -> list[HistogramBin]:
    """How many customers have which churn risk (0..1), from the latest run."""
    run = latest_run()
    return _merge_bins(run.summary.get("churn_risk_histogram") if run else None, bins)


def clv_histogram(bins: int = 10) -> list[HistogramBin]:
    """Predicted 12-month value per customer, from 0 to the 99th percentile, plus the rest."""
    run = latest_run()
    return _merge_bins(run.summary.get("clv_histogram") if run else None, bins)
