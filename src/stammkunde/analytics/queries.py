"""Reads of analytics results for dashboards, the customer page, the API and segments.

Every read here touches the small precomputed tables (KPI rows, cohort cells, the latest run's
summary) or one score row by primary key, so it stays fast however many customers a shop has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stammkunde.analytics.figures_cache import cached, figures_version
from stammkunde.analytics.kpi_warnings import KpiPoint, KpiWarning, build_points, recent_warnings
from stammkunde.analytics.kpis import EPOCH
from stammkunde.analytics.models import (
    CohortCell,
    CustomerScore,
    KpiPeriod,
    KpiRow,
    RFMSegment,
    RunKind,
    RunState,
    ScoringRun,
    UnscoredReason,
)
from stammkunde.core.number_formats import format_money, format_number, format_percent

__all__ = [
    "ChurnOverview",
    "CohortRow",
    "CohortTable",
    "HistogramBin",
    "KpiPoint",
    "KpiWarning",
    "churn_alarms",
    "churn_overview",
    "churn_risk_histogram",
    "clv_histogram",
    "cohort_table",
    "current_kpis",
    "customer_insight",
    "kpi_series",
    "latest_backtest",
    "latest_run",
    "main_currency",
    "score_for_customer",
    "segment_counts",
    "shown_churn_signal",
]

KPI_FIELDS = (
    "revenue",
    "orders",
    "customers",
    "new_customers",
    "returning_customers",
    "repeat_orders",
    "returned_orders",
)


def latest_run(*, include_unfinished: bool = False) -> ScoringRun | None:
    """The newest finished scoring run (or the newest of any state)."""
    runs = ScoringRun.objects.filter(kind=RunKind.SCORING)
    if not include_unfinished:
        runs = runs.filter(state=RunState.FINISHED)
    return runs.order_by("-started_at", "-id").first()


def latest_backtest() -> ScoringRun | None:
    """The newest finished churn backtest run (its ``backtest`` holds the table)."""
    return (
        ScoringRun.objects.filter(kind=RunKind.BACKTEST, state=RunState.FINISHED)
        .order_by("-started_at", "-id")
        .first()
    )


def main_currency() -> str:
    """The currency the dashboards show: the latest run's, else the one with most orders."""
    return _main_currency()


def shown_churn_signal() -> str:
    """Which churn signal the product shows per customer: the last backtest's pick.

    ``days_since_last`` (the days since the last order with the alarm, no percentage) until a
    backtest has picked a model figure that beats it (``backtest_verdict.pick_shown_signal``).
    """
    from stammkunde.analytics.backtest_signals import DEFAULT_SHOWN_SIGNAL, SHOWN_SIGNALS

    run = latest_backtest()
    shown = (run.backtest or {}).get("shown_signal") if run else None
    return shown if shown in SHOWN_SIGNALS else DEFAULT_SHOWN_SIGNAL


@dataclass(frozen=True)
class ChurnOverview:
    """What the top of the dashboard says in words, from the latest scoring run.

    ``at_risk``: customers whose churn alarm is on (they waited more than ``alarm_days``, the
    factor times the shop's usual reorder interval ``usual_days``); ``at_risk_revenue``: what
    they bought so far; ``at_risk_value``: their predicted value over the next 12 months (None
    without model figures). ``churn_rate``: of the customers who had ordered by ``churn_days``
    ago, the share who have not ordered since. ``model_reason`` says why there are no model
    figures ("" when there are).
    """

    customers: int
    at_risk: int
    at_risk_revenue: float
    at_risk_value: float | None
    alarm_days: int | None
    usual_days: int | None
    churn_rate: float | None
    churn_days: int
    churn_lapsed: int
    churn_customers: int
    clv_total: float | None
    clv_average: float | None
    currency: str
    model_reason: str
    model_customers: int
    model_repeaters: int
    min_customers: int
    min_repeaters: int
    fit_error: str
    shown_signal: str


def churn_overview(run: ScoringRun | None = None) -> ChurnOverview | None:
    """The churn and value figures of the latest scoring run, for the dashboard's top."""
    run = run or latest_run()
    if run is None:
        return None
    summary = run.summary or {}
    at_risk = summary.get("at_risk") or {}
    rate = summary.get("churn_rate") or {}
    status = summary.get("model_status") or {}
    store = (run.parameters or {}).get("store_interval_days")
    factor = float(summary.get("churn_factor") or _churn_factor())
    has_model = run.model != "rules"
    return ChurnOverview(
        customers=int(summary.get("customers_with_orders") or 0),
        at_risk=int(at_risk.get("customers", summary.get("churn_alarms", 0)) or 0),
        at_risk_revenue=float(at_risk.get("revenue") or 0),
        at_risk_value=at_risk.get("clv") if has_model else None,
        alarm_days=int(factor * store) if store else None,
        usual_days=round(store) if store else None,
        churn_rate=rate.get("rate"),
        churn_days=int(rate.get("days") or 90),
        churn_lapsed=int(rate.get("lapsed") or 0),
        churn_customers=int(rate.get("customers") or 0),
        clv_total=summary.get("clv_total") if has_model else None,
        clv_average=summary.get("clv_average") if has_model else None,
        currency=str(summary.get("currency") or _main_currency()),
        model_reason="" if has_model else str(status.get("reason") or "no_fit"),
        model_customers=int(status.get("customers") or 0),
        model_repeaters=int(status.get("repeaters") or 0),
        min_customers=int(status.get("min_customers") or 0),
        min_repeaters=int(status.get("min_repeaters") or 0),
        fit_error=str(summary.get("fit_error") or ""),
        shown_signal=shown_churn_signal(),
    )


def _churn_factor() -> float:
    from stammkunde.analytics.models import AnalyticsSettings

    row = AnalyticsSettings.objects.filter(pk=1).only("churn_factor").first()
    return float(row.churn_factor) if row else 2.0


def _main_currency() -> str:
    run = latest_run()
    if run is not None and run.summary.get("currency"):
        return run.summary["currency"]
    row = KpiRow.objects.order_by("-orders").values_list("currency", flat=True).first()
    return row or "EUR"


def kpi_series(
    period: str,
    start: date | None = None,
    end: date | None = None,
    *,
    currency: str | None = None,
) -> list[KpiPoint]:
    """KPI points per ``period`` ("day", "week", "month") with their early warnings.

    Warnings are judged against the whole stored history, then the points are cut to
    ``start``..``end`` (inclusive, by period start).
    """
    if period not in KpiPeriod.values:
        raise ValueError(f"unknown period {period!r}: use day, week or month")
    currency = currency or _main_currency()
    # The warnings' robust statistics over the whole history cost more than every query of
    # the dashboard together; the points change only when the job replaces the rows.
    points = cached(
        "kpi_points",
        figures_version(),
        period,
        currency,
        compute=lambda: _kpi_points(period, currency),
    )
    return [
        point
        for point in points
        if (start is None or point.period_start >= start)
        and (end is None or point.period_start <= end)
    ]


def _kpi_points(period: str, currency: str) -> list[KpiPoint]:
    """Every stored KPI point of ``period`` in ``currency``, with its early warnings."""
    rows = list(
        KpiRow.objects.filter(period=period, currency=currency)
        .order_by("period_start")
        .values_list("period_start", *KPI_FIELDS)
    )
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    table = {
        "start": np.array([(day - EPOCH).days for day in columns[0]], dtype=np.int64),
        **{
            name: np.array([float(value) for value in columns[index + 1]])
            for index, name in enumerate(KPI_FIELDS)
        },
    }
    return build_points(table, period, timezone.localdate())


def current_kpis() -> dict:
    """Headline figures: the last complete month against the month before, and the run's facts."""
    points = kpi_series("month")
    complete = [point for point in points if not point.is_partial]
    run = latest_run()
    summary = run.summary if run else {}
    current = complete[-1] if complete else None
    previous = complete[-2] if len(complete) > 1 else None
    changes = {}
    if current and previous:
        for name in ("revenue", "orders", "average_order_value", "new_customers"):
            now_value, before = getattr(current, name), getattr(previous, name)
            if now_value is not None and before:
                changes[name] = round(float(now_value) / float(before) - 1, 4)
    return {
        "currency": summary.get("currency") or _main_currency(),
        "current": current,
        "previous": previous,
        "month_to_date": points[-1] if points and points[-1].is_partial else None,
        "changes": changes,
        "warnings": [warning for _start, warning in recent_warnings(points, "month")],
        "customers_scored": run.customers_scored if run else 0,
        "churn_alarms": summary.get("churn_alarms", 0),
        "clv_total": summary.get("clv_total"),
        "scored_at": run.finished_at if run else None,
        "model": run.model if run else "",
    }


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


def cohort_table(months: int = 24, *, currency: str | None = None) -> CohortTable:
    """The last ``months`` acquisition cohorts with retention and revenue per month offset."""
    months = max(1, min(int(months), 120))
    currency = currency or _main_currency()
    latest = (
        CohortCell.objects.filter(currency=currency)
        .order_by("-cohort_month")
        .values_list("cohort_month", flat=True)
        .first()
    )
    if latest is None:
        return CohortTable(currency=currency, months=months)
    first = _add_months(latest, -(months - 1))
    cells = (
        CohortCell.objects.filter(currency=currency, cohort_month__gte=first)
        .order_by("cohort_month", "month_offset")
        .values_list("cohort_month", "month_offset", "customers", "revenue")
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


def segment_counts() -> dict[str, int]:
    """Customers per RFM segment after the latest run, in the segments' display order."""
    run = latest_run()
    counts = (run.summary.get("segments") if run else None) or {}
    return {code: int(counts.get(code, 0)) for code in RFMSegment.values}


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


def churn_alarms(limit: int = 50, *, days: int = 30, by: Any = None) -> list[CustomerScore]:
    """Customers whose churn alarm went off in the last ``days`` days, most valuable first.

    With ``by`` (a staff page) the list holds only the customers ``by`` may see (staff limited
    to shops: their shops' customers) and its read is audited naming them."""
    from stammkunde.core.scoping import in_customer_scope
    from stammkunde.customers.queries import record_list_view

    since = timezone.localdate() - timedelta(days=days)
    scores = CustomerScore.objects.filter(churn_alarm=True, churn_alarm_since__gte=since)
    if by is not None:
        scores = in_customer_scope(scores, by, field="customer_id")
    found = list(
        scores.select_related("customer").order_by(
            F("clv_12m").desc(nulls_last=True),
            F("total_revenue").desc(),
            "-churn_alarm_since",
            "customer_id",
        )[: max(0, int(limit))]
    )
    if by is not None and found:
        record_list_view([score.customer_id for score in found], by=by, detail="churn alarms")
    return found


def score_for_customer(customer_id: int) -> CustomerScore | None:
    """The customer's latest score, or None if never scored."""
    return CustomerScore.objects.filter(customer_id=customer_id).first()


def customer_insight(customer_id: int) -> str | None:
    """The plain-language summary of a customer's score for the customer page."""
    score = score_for_customer(customer_id)
    return insight_sentence(score, shown_churn_signal()) if score is not None else None


def insight_sentence(score: CustomerScore, shown: str = "days_since_last") -> str:
    """ "usually orders every 41 days; last order 97 days ago; churn alarm; ..." (translated).

    A model's percentage appears only when the backtest picked it as the shown signal
    (``shown``: see ``shown_churn_signal``); the days since the last order are always there.
    """
    if score.unscored_reason and score.unscored_reason != UnscoredReason.NO_ORDER_VALUE:
        return _("Not scored: %(reason)s.") % {"reason": score.get_unscored_reason_display()}
    parts = []
    if score.mean_interval_days:
        days = round(score.mean_interval_days)
        parts.append(
            ngettext(
                "usually orders every %(days)d day", "usually orders every %(days)d days", days
            )
            % {"days": days}
        )
    elif score.orders_count == 1:
        parts.append(_("one order so far"))
    if score.recency_days is not None:
        # Counted to today, as the customer page's key figures count it, not to the day of the
        # scoring run: the two stand side by side and must not differ by the days since.
        recency = score.recency_days + max(
            0, (timezone.localdate() - timezone.localtime(score.scored_at).date()).days
        )
        parts.append(
            _("last order today")
            if recency == 0
            else ngettext("last order %(days)d day ago", "last order %(days)d days ago", recency)
            % {"days": recency}
        )
    if score.churn_alarm:
        parts.append(_("churn alarm"))
    if score.p_alive is not None and shown in ("bgnbd_p_alive", "paretonbd_p_alive"):
        parts.append(
            _("%(percent)s probability still active") % {"percent": format_percent(score.p_alive)}
        )
    elif score.churn_risk is not None and shown == "churn_risk":
        parts.append(
            _("%(percent)s chance of no order in the next 90 days")
            % {"percent": format_percent(score.churn_risk)}
        )
    if score.expected_purchases_90 is not None:
        # The models count purchase days (several orders on one day are one purchase).
        parts.append(
            _("expected to buy on %(count)s days in the next 90 days")
            % {"count": format_number(round(score.expected_purchases_90, 1), 1)}
        )
    if score.clv_12m is not None:
        parts.append(
            _("predicted value next 12 months %(amount)s")
            % {"amount": format_money(score.clv_12m, score.currency)}
        )
    if score.unscored_reason == UnscoredReason.NO_ORDER_VALUE:
        parts.append(_("all orders refunded or returned"))
    return "; ".join(parts)


def segment_member_page(segment: Any, *, by: Any, sort: str, number: Any, per_page: int) -> Any:
    """One page (a Django ``Page``) of a saved segment's members for its staff page, sorted
    by ``sort``, of the customers ``by`` may see (staff limited to shops); audited once with
    the ids shown. Raises SegmentDefinitionError for a definition no longer valid."""
    from django.core.paginator import Paginator

    from stammkunde.analytics.segments import segment_members
    from stammkunde.core.scoping import in_customer_scope
    from stammkunde.customers.queries import record_list_view

    members = in_customer_scope(segment_members(segment, sort), by)
    page = Paginator(members, per_page).get_page(number)
    page.object_list = list(page.object_list)
    record_list_view(
        [customer.pk for customer in page.object_list], by=by, detail=f"segment {segment.pk}"
    )
    return page
