"""The small tables behind the dashboards: KPI rows, cohort cells, segment counts, histograms.

Computed by the scoring job from the arrays it has in memory anyway, so a dashboard reads a
few hundred rows instead of scanning millions of orders and scores on every page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from stammkunde.analytics import cohorts, kpis
from stammkunde.analytics.reading import OrderArrays
from stammkunde.analytics.rfm import SEGMENT_CODES, is_sorted
from stammkunde.analytics.scorecard import Scorecard, main_values

EPOCH = date(1970, 1, 1)
HISTOGRAM_BINS = 100
CENT = Decimal("0.01")


@dataclass
class Aggregates:
    kpi_rows: list[dict]
    cohort_rows: list[dict]


def first_order_days(customer: np.ndarray, seconds: np.ndarray, day: np.ndarray):
    """Per order: the day of the customer's first order, and whether this order is that one."""
    if customer.size == 0:
        return day.copy(), np.zeros(0, dtype=bool)
    order = (
        np.arange(customer.size)
        if is_sorted(customer, seconds)
        else np.lexsort((seconds, customer))
    )
    sorted_customer = customer[order]
    starts = np.r_[True, sorted_customer[1:] != sorted_customer[:-1]]
    group = np.cumsum(starts) - 1
    first_day_sorted = day[order][starts][group]
    first_day = np.empty_like(day)
    first_day[order] = first_day_sorted
    is_first = np.zeros(customer.size, dtype=bool)
    is_first[order[starts]] = True
    return first_day, is_first


def dashboard_aggregates(
    orders: OrderArrays, *, rates: np.ndarray, main_currency: str, now_seconds: int
) -> Aggregates:
    """KPI rows per period and currency, and monthly cohorts in the main currency: of all shops
    together (``shop_id`` None) and of each shop alone.

    KPIs include guest orders (each one a new one-off buyer); cohorts only known customers. A
    shop's rows come from its orders only (new in the shop = first order there), so the rows
    of several shops add up to their figures as staff limited to them see them.
    """
    current = orders.seconds <= now_seconds
    columns = _Columns(
        customer=orders.customer[current],
        day=orders.day[current].astype(np.int64),
        seconds=orders.seconds[current],
        currency=orders.currency[current],
        value=np.maximum(orders.value[current], 0.0),
        returned=orders.returned[current],
        converted=main_values(orders, rates)[current],
    )
    codes = [code.upper() for code in orders.currencies]
    kpi_rows, cohort_rows = _rows_of(columns, codes, main_currency, shop_id=None)
    shop = orders.shop[current]
    shops = np.unique(shop)
    if shops.size == 1:
        # One shop holds every order: its rows are the all-shop rows (no second pass).
        only = int(shops[0])
        kpi_rows += [row | {"shop_id": only} for row in kpi_rows]
        cohort_rows += [row | {"shop_id": only} for row in cohort_rows]
        return Aggregates(kpi_rows=kpi_rows, cohort_rows=cohort_rows)
    # A stable sort by shop keeps each shop's orders sorted by customer, then time.
    by_shop = np.argsort(shop, kind="stable")
    bounds = [*np.searchsorted(shop[by_shop], shops, side="left").tolist(), shop.size]
    for number, shop_id in enumerate(shops.tolist()):
        part = columns.take(by_shop[bounds[number] : bounds[number + 1]])
        shop_kpis, shop_cohorts = _rows_of(part, codes, main_currency, shop_id=int(shop_id))
        kpi_rows += shop_kpis
        cohort_rows += shop_cohorts
    return Aggregates(kpi_rows=kpi_rows, cohort_rows=cohort_rows)


@dataclass
class _Columns:
    """The counted, current orders' columns the aggregates need, sorted by customer, time."""

    customer: np.ndarray
    day: np.ndarray
    seconds: np.ndarray
    currency: np.ndarray
    value: np.ndarray
    returned: np.ndarray
    converted: np.ndarray  # value in the main currency (NaN: no rate)

    def take(self, index: np.ndarray) -> _Columns:
        return _Columns(**{name: array[index] for name, array in vars(self).items()})


def _rows_of(
    columns: _Columns, codes: list[str], main_currency: str, *, shop_id: int | None
) -> tuple[list[dict], list[dict]]:
    """KPI rows and cohort rows of these orders, marked with ``shop_id``."""
    customer, day = columns.customer, columns.day
    first_day, is_first = first_order_days(customer, columns.seconds, day)
    kpi_rows: list[dict] = []
    for index, code in enumerate(codes):
        mine = columns.currency == index
        if not mine.any():
            continue
        for period in kpis.PERIODS:
            table = kpis.aggregate(
                customer[mine],
                day[mine],
                columns.value[mine],
                columns.returned[mine],
                is_first[mine],
                first_day[mine],
                period,
            )
            kpi_rows.extend(_kpi_dicts(table, period, code, shop_id))

    converted = columns.converted
    in_main = np.isfinite(converted) & (customer > 0)  # cohorts follow known customers
    cells = cohorts.cohort_cells(
        customer[in_main], day[in_main], converted[in_main], first_day[in_main]
    )
    cohort_rows = [
        {
            "shop_id": shop_id,
            "currency": main_currency,
            "cohort_month": _month_start(int(month)),
            "month_offset": int(offset),
            "customers": int(count),
            "orders": int(order_count),
            "revenue": _money(revenue),
        }
        for month, offset, count, order_count, revenue in zip(
            cells.cohort_month,
            cells.month_offset,
            cells.customers,
            cells.orders,
            cells.revenue,
            strict=True,
        )
    ]
    return kpi_rows, cohort_rows


def _kpi_dicts(
    table: kpis.PeriodTable, period: str, currency: str, shop_id: int | None
) -> list[dict]:
    return [
        {
            "shop_id": shop_id,
            "period": period,
            "period_start": EPOCH + timedelta(days=int(start)),
            "currency": currency,
            "revenue": _money(revenue),
            "orders": int(orders),
            "customers": int(customers),
            "new_customers": int(new),
            "returning_customers": int(returning),
            "repeat_orders": int(repeat),
            "returned_orders": int(returned),
        }
        for start, revenue, orders, customers, new, returning, repeat, returned in zip(
            table.start,
            table.revenue,
            table.orders,
            table.customers,
            table.new_customers,
            table.returning_customers,
            table.repeat_orders,
            table.returned_orders,
            strict=True,
        )
    ]


def _month_start(month_number: int) -> date:
    return date(1970 + month_number // 12, month_number % 12 + 1, 1)


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT)


def summary_of_scores(card: Scorecard, *, main_currency: str) -> dict:
    """Segment counts, churn alarms and the two histograms, as JSON-ready values.

    Histograms keep HISTOGRAM_BINS fine bins (churn risk over [0, 1], CLV over [0, 99th
    percentile] plus one overflow count); queries merge them into as many bins as a chart wants.
    """
    values = card.values
    scored = np.asarray(values["unscored_reason"], dtype=object) != "no_counted_orders"
    segment = np.asarray(values["rfm_segment"], dtype=object)
    counts = {code: int(np.count_nonzero(segment == code)) for code in SEGMENT_CODES}
    risk = np.asarray(values["churn_risk"], dtype=float)
    risk = risk[np.isfinite(risk)]
    risk_counts = np.histogram(np.clip(risk, 0, 1), bins=HISTOGRAM_BINS, range=(0.0, 1.0))[0]
    clv = np.asarray(values["clv_12m"], dtype=float)
    clv = clv[np.isfinite(clv)]
    clv_top = float(np.percentile(clv, 99)) if clv.size else 0.0
    if clv_top <= 0:
        clv_top = float(clv.max()) if clv.size and clv.max() > 0 else 1.0
    clv_counts = np.histogram(np.clip(clv, 0, None), bins=HISTOGRAM_BINS, range=(0.0, clv_top))[0]
    overflow = int(np.count_nonzero(clv > clv_top))
    reasons = np.asarray(values["unscored_reason"], dtype=object)
    return {
        "currency": main_currency,
        "segments": counts,
        "customers_with_orders": int(np.count_nonzero(scored)),
        "churn_alarms": int(np.count_nonzero(np.asarray(values["churn_alarm"], dtype=bool))),
        "unscored": {
            code: int(np.count_nonzero(reasons == code))
            for code in ("no_counted_orders", "foreign_currency", "future_orders", "no_order_value")
        },
        "churn_risk_histogram": {"low": 0.0, "high": 1.0, "counts": risk_counts.tolist()},
        "clv_histogram": {
            "low": 0.0,
            "high": round(clv_top, 2),
            "counts": clv_counts.tolist(),
            "above": overflow,
        },
        "clv_total": round(float(clv.sum()), 2),
        "clv_average": round(float(clv.mean()), 2) if clv.size else None,
        "at_risk": customers_at_risk(values),
        "churn_rate": churn_rate(card.summary.age, card.summary.days_since_last),
        # Customers the model scored but could not predict for (the predictions are NULL).
        "missing_predictions": int(
            np.count_nonzero(
                (np.asarray(values["model"], dtype=object) != "rules")
                & ~np.isfinite(np.asarray(values["expected_purchases_365"], dtype=float))
            )
        ),
    }


CHURN_RATE_DAYS = 90


def churn_rate(age: np.ndarray, days_since_last: np.ndarray, days: int = CHURN_RATE_DAYS) -> dict:
    """Of the customers who had ordered by ``days`` ago, the share without an order since.

    A plain observed figure (no model): "34% of your customers from before 90 days ago have not
    ordered again since". ``rate`` is None when nobody had ordered that long ago.
    """
    age = np.asarray(age, dtype=np.int64)
    since = np.asarray(days_since_last, dtype=np.int64)
    eligible = age >= days
    lapsed = eligible & (since >= days)
    count = int(np.count_nonzero(eligible))
    return {
        "days": days,
        "customers": count,
        "lapsed": int(np.count_nonzero(lapsed)),
        "rate": round(int(np.count_nonzero(lapsed)) / count, 4) if count else None,
    }


def customers_at_risk(values: dict) -> dict:
    """The customers whose churn alarm is on: how many, their revenue so far, their predicted value.

    ``clv`` is None when no customer among them has a predicted value (no model figures).
    """
    alarm = np.asarray(values["churn_alarm"], dtype=bool)
    revenue = np.asarray(values["total_revenue"], dtype=float)[alarm]
    clv = np.asarray(values["clv_12m"], dtype=float)[alarm]
    clv = clv[np.isfinite(clv)]
    return {
        "customers": int(np.count_nonzero(alarm)),
        "revenue": round(float(np.nansum(revenue)), 2),
        "clv": round(float(clv.sum()), 2) if clv.size else None,
    }
