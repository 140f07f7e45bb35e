"""Reads of analytics results for dashboards, the customer page, the API and segments.

Every read here touches the small precomputed tables (KPI rows, cohort cells, the latest run's
summary) or one score row by primary key, so it stays fast however many customers a shop has.
The dashboard's charts read through ``chart_queries``; a customer's summary in words is in
``insight``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone

from stammkunde.analytics.figures_cache import cached, figures_version
from stammkunde.analytics.kpi_warnings import KpiPoint, KpiWarning, build_points, recent_warnings
from stammkunde.analytics.kpis import EPOCH, dense_starts
from stammkunde.analytics.models import (
    CustomerScore,
    KpiPeriod,
    KpiRow,
    RFMSegment,
    RunKind,
    RunState,
    ScoringRun,
)
from stammkunde.core.compiled import DAY, ID, IDS, CompiledRead
from stammkunde.customers.models import Customer
from stammkunde.shop.visibility import customers_of_shops

__all__ = [
    "ChurnOverview",
    "KpiPoint",
    "KpiWarning",
    "churn_alarms",
    "churn_overview",
    "current_kpis",
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


# Reads of every customer page and dashboard, compiled once (core/compiled.py).
_LATEST_FINISHED_RUN = CompiledRead(
    lambda: ScoringRun.objects.filter(kind=RunKind.SCORING, state=RunState.FINISHED).order_by(
        "-started_at", "-id"
    )[:1]
)
_LATEST_SHOWN_SIGNAL = CompiledRead(
    lambda: (
        ScoringRun.objects.filter(kind=RunKind.BACKTEST, state=RunState.FINISHED)
        .order_by("-started_at", "-id")
        .values_list("backtest__shown_signal", flat=True)[:1]
    )
)
_SCORE = CompiledRead(
    lambda customer_id: CustomerScore.objects.filter(customer_id=customer_id).order_by()[:1],
    customer_id=ID,
)


def latest_run(*, include_unfinished: bool = False) -> ScoringRun | None:
    """The newest finished scoring run (or the newest of any state)."""
    if not include_unfinished:
        return _LATEST_FINISHED_RUN.first()
    runs = ScoringRun.objects.filter(kind=RunKind.SCORING)
    if not include_unfinished:
        runs = runs.filter(state=RunState.FINISHED)
    return runs.order_by("-started_at", "-id").first()


_LATEST_BACKTEST = CompiledRead(
    lambda: ScoringRun.objects.filter(kind=RunKind.BACKTEST, state=RunState.FINISHED).order_by(
        "-started_at", "-id"
    )[:1]
)


def latest_backtest() -> ScoringRun | None:
    """The newest finished churn backtest run (its ``backtest`` holds the table)."""
    return _LATEST_BACKTEST.first()


def main_currency() -> str:
    """The currency the dashboards show: the latest run's, else the one with most orders."""
    return _main_currency()


_UNREAD: Any = object()  # a keyword argument's default: "not read by the caller yet"


def shown_churn_signal(backtest: ScoringRun | None = _UNREAD) -> str:
    """Which churn signal the product shows per customer: the last backtest's pick.

    ``days_since_last`` (the days since the last order with the alarm, no percentage) until a
    backtest has picked a model figure that beats it (``backtest_verdict.pick_shown_signal``).
    ``backtest``: the latest backtest (or None) when the caller has read it already; else only
    the pick is read (not the run's tables: the 360 page asks on every view).
    """
    from stammkunde.analytics.backtest_signals import DEFAULT_SHOWN_SIGNAL, SHOWN_SIGNALS

    if backtest is _UNREAD:
        shown = _LATEST_SHOWN_SIGNAL.first()
    else:
        shown = (backtest.backtest or {}).get("shown_signal") if backtest else None
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


def churn_overview(
    run: ScoringRun | None = None, *, shown_signal: str | None = None
) -> ChurnOverview | None:
    """The churn and value figures of the latest scoring run, for the dashboard's top
    (``shown_signal``: ``shown_churn_signal()``, when the caller has it)."""
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
        shown_signal=shown_signal or shown_churn_signal(),
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


def shops_key(shop_ids: Collection[int] | None) -> str:
    """The shop choice as a part of a figures cache key: "all" or the sorted shop ids."""
    return "all" if shop_ids is None else ",".join(str(pk) for pk in sorted(shop_ids))


def kpi_series(
    period: str,
    start: date | None = None,
    end: date | None = None,
    *,
    currency: str | None = None,
    shop_ids: Collection[int] | None = None,
    version: str | None = None,
) -> list[KpiPoint]:
    """KPI points per ``period`` ("day", "week", "month") with their early warnings.

    ``shop_ids`` None: all shops together; else the sum of these shops' rows (rates and
    averages are computed from the summed counts, never averaged). Warnings are judged
    against the whole stored history, then the points are cut to ``start``..``end``
    (inclusive, by period start). ``version``: ``figures_version()`` when the caller has read
    it in this request (one query less).
    """
    if period not in KpiPeriod.values:
        raise ValueError(f"unknown period {period!r}: use day, week or month")
    currency = currency or _main_currency()
    shops = None if shop_ids is None else frozenset(shop_ids)
    # The warnings' robust statistics over the whole history cost more than every query of
    # the dashboard together; the points change only when the job replaces the rows.
    points = cached(
        "kpi_points",
        version or figures_version(),
        period,
        currency,
        shops_key(shops),
        compute=lambda: _kpi_points(period, currency, shops),
    )
    return [
        point
        for point in points
        if (start is None or point.period_start >= start)
        and (end is None or point.period_start <= end)
    ]


def _kpi_points(period: str, currency: str, shop_ids: frozenset[int] | None) -> list[KpiPoint]:
    """Every stored KPI point of ``period`` in ``currency`` (of all shops, or summed over
    ``shop_ids``), with its early warnings."""
    rows = KpiRow.objects.filter(period=period, currency=currency)
    if shop_ids is None:
        rows = rows.filter(shop__isnull=True).order_by("period_start")
        found = list(rows.values_list("period_start", *KPI_FIELDS))
    else:
        found = list(
            rows.filter(shop_id__in=shop_ids)
            .values_list("period_start")
            .annotate(*(Sum(name) for name in KPI_FIELDS))
            .order_by("period_start")
        )
    if not found:
        return []
    columns = list(zip(*found, strict=True))
    starts = np.array([(day - EPOCH).days for day in columns[0]], dtype=np.int64)
    values = {
        name: np.array([float(value) for value in columns[index + 1]])
        for index, name in enumerate(KPI_FIELDS)
    }
    # Each shop's rows are dense over its own history; summed, a period no chosen shop sold
    # in would be missing: it is a period of zeros, as in the all-shop rows.
    dense = dense_starts(int(starts[0]), int(starts[-1]), period)
    if dense.size != starts.size:
        slot = np.searchsorted(dense, starts)
        for name, column in values.items():
            values[name] = np.zeros(dense.size)
            values[name][slot] = column
        starts = dense
    return build_points({"start": starts, **values}, period, timezone.localdate())


def current_kpis(
    *,
    shop_ids: Collection[int] | None = None,
    run: ScoringRun | None = _UNREAD,
    version: str | None = None,
) -> dict:
    """Headline figures: the last complete month against the month before, and the run's facts
    (the run's counts are of all shops together; the months of ``shop_ids`` when given).
    ``run`` (the latest run, or None when there is none) and ``version`` (``figures_version``):
    when the caller has read them already (saves the queries)."""
    run = latest_run() if run is _UNREAD else run
    summary = run.summary if run else {}
    currency = summary.get("currency") or _main_currency()
    points = kpi_series("month", currency=currency, shop_ids=shop_ids, version=version)
    complete = [point for point in points if not point.is_partial]
    current = complete[-1] if complete else None
    previous = complete[-2] if len(complete) > 1 else None
    changes = {}
    if current and previous:
        for name in ("revenue", "orders", "average_order_value", "new_customers"):
            now_value, before = getattr(current, name), getattr(previous, name)
            if now_value is not None and before:
                changes[name] = round(float(now_value) / float(before) - 1, 4)
    return {
        "currency": currency,
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


def segment_counts(*, by: Any = None, shop_ids: Collection[int] | None = None) -> dict[str, int]:
    """Customers per RFM segment after the latest run, in the segments' display order.

    The run's summary counts every shop; for staff limited to shops (``by``) or a chosen shop
    (``shop_ids``) the counts come from the stored scores of those shops' customers instead
    (one grouped query)."""
    from stammkunde.core.scoping import customer_scope

    rule = customer_scope(by, field="customer_id")
    if shop_ids is not None:
        of_shops = customers_of_shops(shop_ids, field="customer_id")
        rule = of_shops if rule is None else rule & of_shops
    if rule is None:
        run = latest_run()
        counts = (run.summary.get("segments") if run else None) or {}
    else:
        counts = dict(
            CustomerScore.objects.filter(rule)
            .values_list("rfm_segment")
            .annotate(count=Count("pk"))
            .order_by()
        )
    return {code: int(counts.get(code, 0)) for code in RFMSegment.values}


def churn_alarms(
    limit: int = 50,
    *,
    days: int = 30,
    by: Any = None,
    shop_ids: Collection[int] | None = None,
) -> list[CustomerScore]:
    """Customers whose churn alarm went off in the last ``days`` days, most valuable first.

    With ``by`` (a staff page) the list holds only the customers ``by`` may see (staff limited
    to shops: their shops' customers) and its read is audited naming them; ``shop_ids`` keeps
    the customers of those shops only (the dashboard's shop choice)."""
    from stammkunde.core.scoping import customer_scope
    from stammkunde.customers.queries import record_list_view

    since = timezone.localdate() - timedelta(days=days)
    unlimited = shop_ids is None and customer_scope(by, field="customer_id") is None
    if unlimited and 0 < int(limit) <= COMPILED_ALARMS:
        found = _newest_alarms(since, int(limit))
    else:
        found = _alarms(since, limit, by=by, shop_ids=shop_ids)
    if by is not None and found:
        record_list_view([score.customer_id for score in found], by=by, detail="churn alarms")
    return found


def _alarm_order(scores: QuerySet[CustomerScore]) -> QuerySet[CustomerScore]:
    return scores.order_by(
        F("clv_12m").desc(nulls_last=True),
        F("total_revenue").desc(),
        "-churn_alarm_since",
        "customer_id",
    )


def _alarms(
    since: date, limit: int, *, by: Any, shop_ids: Collection[int] | None
) -> list[CustomerScore]:
    from stammkunde.core.scoping import in_customer_scope

    scores = CustomerScore.objects.filter(churn_alarm=True, churn_alarm_since__gte=since)
    if by is not None:
        scores = in_customer_scope(scores, by, field="customer_id")
    if shop_ids is not None:
        scores = scores.filter(customers_of_shops(shop_ids, field="customer_id"))
    # The customers in a second query by primary key: joined, SQLite's planner walked every
    # customer and looked each one's score up (18 ms at 5,000 customers, growing with them)
    # instead of taking the few alarms from the score_alarm_since index (0.5 ms).
    return list(_alarm_order(scores.prefetch_related("customer"))[: max(0, int(limit))])


# The alarms of every shop (the dashboard's default) compiled once per limit up to
# COMPILED_ALARMS (core/compiled.py); their customers in a second read by primary key, as the
# prefetch did.
COMPILED_ALARMS = 50
_compiled_alarms: dict[int, CompiledRead] = {}
_CUSTOMERS_BY_ID = CompiledRead(lambda ids: Customer.objects.filter(pk__in=ids).order_by(), ids=IDS)


def _newest_alarms(since: date, limit: int) -> list[CustomerScore]:
    if limit not in _compiled_alarms:
        _compiled_alarms[limit] = CompiledRead(
            lambda since: _alarm_order(
                CustomerScore.objects.filter(churn_alarm=True, churn_alarm_since__gte=since)
            )[:limit],
            since=DAY,
        )
    scores = _compiled_alarms[limit].fetch(since=since)
    customers = {c.pk: c for c in _CUSTOMERS_BY_ID.fetch(ids=[s.customer_id for s in scores])}
    field = CustomerScore._meta.get_field("customer")
    for score in scores:
        customer = customers.get(score.customer_id)
        field.set_cached_value(score, customer)
        if customer is not None:
            field.remote_field.set_cached_value(customer, score)
    return scores


def score_for_customer(customer_id: int) -> CustomerScore | None:
    """The customer's latest score, or None if never scored."""
    return _SCORE.first(customer_id=customer_id)


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
