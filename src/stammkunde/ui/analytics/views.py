"""The analytics dashboard: KPIs over time, RFM, cohorts, churn and CLV, calibration, goals.

Of all shops together, or of one shop (the selector, for unlimited staff of several shops), or
of the shops a staff user is limited to; see ``dashboard``.

Reads only the precomputed results of the scoring job (``analytics.queries``): KPI rows, cohort
cells, the latest run's summary, and the few alarm rows shown. Nothing here scans orders or
all scores, so the page costs the same for ten customers and for a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stammkunde.analytics import chart_queries, queries
from stammkunde.analytics.figures_cache import cached, figures_version
from stammkunde.analytics.goals import goal_progress
from stammkunde.analytics.kpi_warnings import recent_warnings
from stammkunde.analytics.models import RFMSegment
from stammkunde.shop.queries import shop_names
from stammkunde.shop.visibility import staff_shop_ids
from stammkunde.ui import charts
from stammkunde.ui.charts import Series
from stammkunde.ui.period_figures import period_figures

PERIODS = ("day", "week", "month")
# How many periods the time charts show: two months of days, half a year of weeks, two years.
WINDOW = {"day": 60, "week": 26, "month": 24}
COHORT_MONTHS = 12
ALARM_ROWS = 20


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its visible title and its one explaining sentence."""

    title: str
    sentence: str
    svg: SafeString


def _make(draw: Any, *args: Any, title: str, description: str, **kwargs: Any) -> Chart:
    svg = draw(*args, title=title, description=description, **kwargs)
    return Chart(title, description, svg)


def _window_start(period: str, today: date) -> date:
    if period == "day":
        return today - timedelta(days=WINDOW["day"] - 1)
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(weeks=WINDOW["week"] - 1)
    index = today.year * 12 + today.month - 1 - (WINDOW["month"] - 1)
    return date(index // 12, index % 12 + 1, 1)


def _label(day: date, period: str) -> str:
    if period == "month":
        return date_format(day, "M Y")
    return date_format(day, "MONTH_DAY_FORMAT")


def time_charts(points: list, period: str, currency: str) -> list[Chart]:
    """The six time charts, each with its one-sentence explanation."""
    labels = [_label(point.period_start, period) for point in points]
    unfinished = bool(points) and points[-1].is_partial
    if unfinished:
        labels[-1] = _("%(period)s (so far)") % {"period": labels[-1]}
    name = {"day": _("day"), "week": _("week"), "month": _("month")}[period]

    def line(kpi: str, title: str, sentence: str, fmt=charts.plain_number) -> Chart:
        return _make(
            charts.line_chart,
            labels,
            [Series(title, [getattr(point, kpi) for point in points])],
            title=title,
            description=sentence,
            value_format=fmt,
            chart_id=f"chart-{kpi}",
            unfinished_last=unfinished,
        )

    return [
        line(
            "revenue",
            _("Revenue (%(currency)s)") % {"currency": currency},
            _("Revenue per %(period)s from orders that were not cancelled, less refunds.")
            % {"period": name},
        ),
        line(
            "orders", _("Orders"), _("How many orders came in per %(period)s.") % {"period": name}
        ),
        line(
            "average_order_value",
            _("Average basket value (%(currency)s)") % {"currency": currency},
            _("What an order was worth on average in each %(period)s.") % {"period": name},
        ),
        line(
            "purchase_frequency",
            _("Orders per customer"),
            _("How many orders each buying customer placed in the %(period)s, on average.")
            % {"period": name},
        ),
        line(
            "repeat_rate",
            _("Repeat-purchase rate"),
            _("The share of orders placed by customers who had ordered before."),
            charts.percent,
        ),
        _make(
            charts.line_chart,
            labels,
            [
                Series(_("New"), [point.new_customers for point in points]),
                Series(_("Returning"), [point.returning_customers for point in points]),
            ],
            title=_("New and returning customers"),
            description=_(
                "Customers buying for the first time versus customers who came back, per "
                "%(period)s."
            )
            % {"period": name},
            chart_id="chart-new-returning",
            unfinished_last=unfinished,
        ),
    ]


def _bins(bins: list, fmt) -> tuple[list[str], list[str], list[int]]:
    """Full range labels (tooltips), lower-edge labels (axis) and counts of histogram bins."""
    labels = [
        f"{fmt(item.low)}\u2013{fmt(item.high)}"
        if item.high is not None
        else f"\u2265 {fmt(item.low)}"
        for item in bins
    ]
    axis = [fmt(item.low) if item.high is not None else f"\u2265 {fmt(item.low)}" for item in bins]
    return labels, axis, [item.count for item in bins]


def score_charts(currency: str, run: Any) -> dict[str, Chart]:
    """RFM sizes, churn risk and CLV distributions, the cohort heatmap and the calibration."""
    result = {"rfm": rfm_chart(queries.segment_counts())}
    labels, axis, values = _bins(chart_queries.churn_risk_histogram(10), charts.percent)
    result["churn_risk"] = _make(
        charts.bar_chart,
        labels,
        [Series(_("Customers"), values)],
        title=_("Churn risk"),
        description=_(
            "How many customers have which risk of not ordering in the next 90 days; the right "
            "side needs attention."
        ),
        chart_id="chart-churn-risk",
        axis_labels=axis,
    )
    labels, axis, values = _bins(chart_queries.clv_histogram(10), charts.plain_number)
    result["clv"] = _make(
        charts.bar_chart,
        labels,
        [Series(_("Customers"), values)],
        title=_("Predicted value, next 12 months (%(currency)s)") % {"currency": currency},
        description=_("How many customers are expected to bring how much revenue in a year."),
        chart_id="chart-clv",
        axis_labels=axis,
    )
    result["cohorts"] = cohort_chart(None)
    calibration = (run.calibration or {}) if run else {}
    buckets = calibration.get("buckets") or []
    result["calibration_chart"] = _make(
        charts.bar_chart,
        [str(bucket["frequency"]) for bucket in buckets],
        [
            Series(_("Predicted"), [bucket.get("predicted") for bucket in buckets]),
            Series(_("Actual"), [bucket.get("actual") for bucket in buckets]),
        ],
        title=_("Calibration check"),
        description=_(
            "Repeat purchases the model predicted for a recent period it did not see, against "
            "what customers really bought, grouped by how often they had bought before."
        ),
        chart_id="chart-calibration",
    )
    return result


def cohort_chart(shop_ids: frozenset[int] | None) -> Chart:
    """The cohort heatmap of all shops (``shop_ids`` None) or of these shops summed."""
    table = chart_queries.cohort_table(months=COHORT_MONTHS, shop_ids=shop_ids)
    width = max((len(row.retention) for row in table.rows), default=0)
    return _make(
        charts.heatmap,
        [date_format(row.cohort_month, "M Y") for row in table.rows],
        [str(offset) for offset in range(width)],
        [row.retention for row in table.rows],
        title=_("Cohort retention"),
        description=_(
            "Each row is the customers who first bought in that month; each column shows which "
            "share of them bought again so many months later."
        ),
        chart_id="chart-cohorts",
    )


def readable_calibration(calibration: dict) -> dict:
    """The stored calibration check with its error as a sentence in the reader's language.

    The scoring job stores a code beside the technical text (an English sentence or an
    exception's message); a page never shows the technical text.
    """
    if not calibration.get("error"):
        return calibration
    sentences = {
        "no_orders": _("there are no orders before the period it checks."),
        "too_few_customers": _("too few customers had ordered before the period it checks."),
    }
    default = _("the model could not be fitted to the orders before the period it checks.")
    return calibration | {"error": sentences.get(calibration.get("error_code", ""), default)}


def rfm_chart(counts: dict[str, int]) -> Chart:
    """The customers per RFM segment as a horizontal bar chart."""
    return _make(
        charts.horizontal_bar_chart,
        [str(RFMSegment(code).label) for code in counts],
        list(counts.values()),
        title=_("Customers per RFM segment"),
        description=_(
            "How many customers are in each group by how recently, how often and how much "
            "they bought."
        ),
        chart_id="chart-rfm",
    )


def _chosen_shop(request: HttpRequest, shops: list[tuple[int, str]]) -> int | None:
    """The shop picked in the selector (``?shop=<id>``), None for all shops or an unknown id."""
    raw = request.GET.get("shop", "")
    return next((pk for pk, _name in shops if str(pk) == raw), None)


@login_required
@permission_required("analytics.view_dashboard", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "month")
    if period not in PERIODS:
        period = "month"
    run = queries.latest_run()
    # The fingerprint of the stored figures, read once for every cached part of the page.
    version = figures_version()
    # Staff limited to shops see the figures of their shops (the job stores KPI rows and
    # cohort cells per shop; summed here); unlimited staff may choose one shop when there are
    # several. The run's churn and value figures, the models' checks and the goals are of all
    # shops together: shown only for all shops, never as if they were one shop's.
    limit = staff_shop_ids(request.user)
    shops = shop_names() if limit is None else []
    chosen = _chosen_shop(request, shops) if len(shops) > 1 else None
    shop_ids = limit if limit is not None else (None if chosen is None else frozenset({chosen}))
    all_shops = shop_ids is None
    # Read once: the goals compare against the same figures.
    kpis = queries.current_kpis(shop_ids=shop_ids, run=run, version=version)
    points = queries.kpi_series(
        period,
        start=_window_start(period, timezone.localdate()),
        currency=kpis["currency"],
        shop_ids=shop_ids,
        version=version,
    )
    context: dict[str, Any] = {
        "period": period,
        "periods": [("day", _("Days")), ("week", _("Weeks")), ("month", _("Months"))],
        "run": run,
        "has_data": run is not None or bool(points),
        "limited_to_shops": limit is not None,
        "shops": shops if len(shops) > 1 else [],
        "chosen_shop": chosen,
        "chosen_shop_name": dict(shops).get(chosen, ""),
        "all_shops": all_shops,
        "goals": goal_progress(kpis) if all_shops else None,
    }
    if context["has_data"]:
        currency = kpis.get("currency") or "EUR"
        shops_key = queries.shops_key(shop_ids)
        headline = period_figures(points, period)
        context.update(
            {
                "currency": currency,
                "headline": headline,
                "figures": headline.figures if headline else [],
                "warnings": recent_warnings(points, period),
                # Drawn once per stored figures, period, shops and language (figures_cache).
                "time_charts": cached(
                    "time_charts",
                    version,
                    period,
                    currency,
                    shops_key,
                    compute=lambda: time_charts(points, period, currency),
                ),
                "partial_period": bool(points) and points[-1].is_partial,
                "alarms": queries.churn_alarms(
                    limit=ALARM_ROWS,
                    by=request.user,
                    shop_ids=None if chosen is None else shop_ids,
                ),
                "kpis": kpis,
            }
        )
        if all_shops:
            backtest_run = queries.latest_backtest()
            context.update(
                {
                    "calibration": readable_calibration((run.calibration or {}) if run else {}),
                    "backtest": (backtest_run.backtest or {}) if backtest_run else None,
                    "backtest_run": backtest_run,
                    "overview": queries.churn_overview(
                        run, shown_signal=queries.shown_churn_signal(backtest_run)
                    ),
                    **cached(
                        "score_charts",
                        version,
                        currency,
                        compute=lambda: score_charts(currency, run),
                    ),
                }
            )
        else:
            counts = queries.segment_counts(
                by=request.user, shop_ids=None if chosen is None else shop_ids
            )
            context["rfm"] = rfm_chart(counts)
            context["cohorts"] = cached(
                "cohort_chart", version, shops_key, compute=lambda: cohort_chart(shop_ids)
            )
    return render(request, "ui/analytics/dashboard.html", context)


ANALYSIS_KINDS = {"scoring", "backtest"}


@require_POST
@login_required
@permission_required("analytics.run_scoring", raise_exception=True)
def run_analysis(request: HttpRequest) -> HttpResponse:
    """Queue the scoring job or the churn backtest; the worker runs it, the dashboard shows it."""
    from stammkunde.analytics.tasks import run_analysis_now

    kind = request.POST.get("kind", "")
    if kind not in ANALYSIS_KINDS:
        messages.error(request, _("Choose the scoring job or the churn backtest."))
        return redirect("ui:dashboard")
    transaction.on_commit(lambda: run_analysis_now.enqueue(kind))
    if kind == "backtest":
        messages.success(
            request,
            _("The churn backtest runs in the background; reload this page in a minute."),
        )
        return redirect(reverse("ui:dashboard") + "#backtest")
    messages.success(
        request, _("The scoring job runs in the background; reload this page in a minute.")
    )
    return redirect("ui:dashboard")
