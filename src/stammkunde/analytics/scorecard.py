"""From order arrays to one row of figures per customer (pure numpy, no database).

Which orders count: the reader already left out cancelled and test orders; here orders dated
after the run's time and orders in a currency without an exchange rate to the main currency
are left out too, and refunds larger than an order count as zero value, never negative. A
customer left with nothing to score gets a row that says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np

from stammkunde.analytics import backtest_calibration, btyd, intervals, rfm, scoring
from stammkunde.analytics.reading import OrderArrays
from stammkunde.analytics.writing import ScoreColumns

NO_DAY = -1


@dataclass(frozen=True)
class ScoringRules:
    """The owner's settings, as plain values."""

    churn_factor: float = 2.0
    reference_interval: str = "store"  # store | segment | category
    interval_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    margin: float = 1.0
    monthly_discount_rate: float = 0.01
    holdout_days: int = 90

    @classmethod
    def from_settings(cls, settings_row) -> ScoringRules:
        overrides = settings_row.interval_overrides
        return cls(
            churn_factor=float(settings_row.churn_factor),
            reference_interval=settings_row.reference_interval,
            interval_overrides=overrides if isinstance(overrides, dict) else {},
            margin=float(settings_row.clv_margin),
            monthly_discount_rate=float(settings_row.monthly_discount_rate),
            holdout_days=int(settings_row.holdout_days),
        )


@dataclass
class Scorecard:
    """Everything the job writes per customer, plus the run's model facts."""

    customer: np.ndarray
    values: dict[str, object]
    model: str
    parameters: dict
    calibration: dict
    fit_error: str
    scored_count: int
    summary: rfm.CustomerSummary
    # Why there are no model figures (scoring.REASON_*), "" when there are; the model asked for
    # when another was used.
    model_reason: str = ""
    fallback_from: str = ""

    @property
    def size(self) -> int:
        return int(self.customer.size)

    def columns(self, *, scored_at: datetime) -> ScoreColumns:
        return ScoreColumns(values={**self.values, "scored_at": scored_at}, size=self.size)


def usable_orders(orders: OrderArrays, *, now_seconds: int, rates: np.ndarray) -> np.ndarray:
    """Orders that enter the scores: a customer's, not in the future, in the main currency."""
    rate = _order_rates(orders, rates)
    return (orders.customer > 0) & (orders.seconds <= now_seconds) & np.isfinite(rate)


def _order_rates(orders: OrderArrays, rates: np.ndarray) -> np.ndarray:
    rates = np.asarray(rates, dtype=float)
    code = orders.currency.astype(np.int64)
    rate = np.full(code.shape, np.nan)
    known = (code >= 0) & (code < rates.size)
    rate[known] = rates[code[known]]
    return rate


def main_values(orders: OrderArrays, rates: np.ndarray) -> np.ndarray:
    """Net value per order in the main currency, never below zero (NaN without a rate)."""
    return np.maximum(orders.value, 0.0) * _order_rates(orders, rates)


def score_customers(
    orders: OrderArrays,
    *,
    as_of_day: int,
    now_seconds: int,
    main_currency: str,
    rates: np.ndarray,
    rules: ScoringRules,
    model: str = "bgnbd",
    uncounted_customers: np.ndarray | None = None,
    categories: Callable[[np.ndarray], Mapping[int, str]] | None = None,
) -> Scorecard:
    """Compute every score column for every customer with orders."""
    usable = usable_orders(orders, now_seconds=now_seconds, rates=rates)
    value = main_values(orders, rates)
    summary = rfm.summarize(orders.customer[usable], orders.day[usable], value[usable], as_of_day)
    n = len(summary)
    days_since = summary.days_since_last
    r, f, m = rfm.rfm_scores(days_since, summary.orders, summary.revenue)
    segment = rfm.segments(r, f)

    own = intervals.own_intervals(summary.frequency, summary.recency)
    store = intervals.store_interval(own)
    reference = _reference(own, segment, summary.customer, store, rules, categories)
    alarm, overdue, alarm_after = intervals.churn_alarm(
        days_since, reference, factor=rules.churn_factor
    )
    alarm_since = np.where(alarm, summary.last_day + alarm_after, NO_DAY)

    aov = np.divide(summary.revenue, summary.orders, out=np.zeros(n), where=summary.orders > 0)
    predictions = (
        scoring.predict(
            summary.frequency,
            summary.recency,
            summary.age,
            summary.repeat_value,
            model=model,
            margin=rules.margin,
            monthly_discount_rate=rules.monthly_discount_rate,
            fallback_order_value=aov,
        )
        if n
        else scoring.Predictions(
            model="rules",
            error="no customers with orders",
            reason=scoring.REASON_TOO_FEW_CUSTOMERS,
        )
    )
    no_value = summary.revenue <= 0
    nan = np.full(n, np.nan)
    if predictions.model == "rules":
        interval = np.where(np.isfinite(own), own, reference)
        next_day = np.where(
            np.isfinite(interval), summary.last_day + np.round(np.nan_to_num(interval)), NO_DAY
        ).astype(np.int64)
        next_day[next_day < as_of_day] = NO_DAY
        order_value, clv = aov.copy(), nan.copy()
    else:
        next_in = predictions.next_order_in_days
        next_day = np.where(
            np.isfinite(next_in), as_of_day + np.round(np.nan_to_num(next_in)), NO_DAY
        ).astype(np.int64)
        order_value, clv = predictions.expected_order_value, predictions.clv
    order_value = np.where(no_value, np.nan, order_value)
    clv = np.where(no_value, np.nan, clv)

    reason = np.where(no_value, "no_order_value", "").astype(object)
    values: dict[str, object] = {
        "customer_id": summary.customer,
        "currency": main_currency,
        "orders_count": summary.orders,
        "first_order_at": summary.first_day,
        "last_order_at": summary.last_day,
        "recency_days": days_since,
        "total_revenue": summary.revenue,
        "average_order_value": aov,
        "r_score": r.astype(np.int64),
        "f_score": f.astype(np.int64),
        "m_score": m.astype(np.int64),
        "rfm_segment": segment,
        "mean_interval_days": own,
        "reference_interval_days": reference,
        "days_overdue": overdue,
        "churn_alarm": alarm,
        "churn_alarm_since": alarm_since,
        "p_alive": _or_nan(predictions.p_alive, n),
        "churn_risk": _or_nan(predictions.churn_risk, n),
        "expected_purchases_30": _or_nan(predictions.expected_30, n),
        "expected_purchases_90": _or_nan(predictions.expected_90, n),
        "expected_purchases_365": _or_nan(predictions.expected_365, n),
        "expected_next_order_at": next_day,
        "expected_order_value": order_value,
        "clv_12m": clv,
        "model": np.full(n, predictions.model, dtype=object),
        "unscored_reason": reason,
    }
    unscored_ids, unscored_reasons = _unscored(
        orders, usable, now_seconds, summary.customer, uncounted_customers
    )
    values = _append_unscored(values, unscored_ids, unscored_reasons, main_currency)
    calibration = _calibration(orders, usable, as_of_day, rules.holdout_days, model)
    return Scorecard(
        customer=np.asarray(values["customer_id"]),
        values=values,
        model=predictions.model,
        parameters=predictions.parameters
        | {"store_interval_days": None if store is None else round(store, 3)},
        calibration=calibration,
        fit_error=predictions.error,
        scored_count=n,
        summary=summary,
        model_reason=predictions.reason if n else scoring.REASON_TOO_FEW_CUSTOMERS,
        fallback_from=predictions.fallback_from,
    )


def _or_nan(values: np.ndarray | None, size: int) -> np.ndarray:
    return np.full(size, np.nan) if values is None else np.asarray(values, dtype=float)


def _reference(
    own: np.ndarray,
    segment: np.ndarray,
    customer: np.ndarray,
    store: float | None,
    rules: ScoringRules,
    categories: Callable[[np.ndarray], Mapping[int, str]] | None,
) -> np.ndarray:
    mode = rules.reference_interval
    if mode == "segment":
        groups = segment
    elif mode == "category" and categories is not None:
        lookup = categories(customer)
        groups = np.array([lookup.get(int(c), "") for c in customer], dtype=object)
    else:
        return np.full(own.shape, np.nan if store is None else store)
    overrides = rules.interval_overrides.get(mode) if rules.interval_overrides else None
    return intervals.grouped_reference(
        own, groups, fallback=store, overrides=overrides if isinstance(overrides, dict) else None
    )


def _unscored(
    orders: OrderArrays,
    usable: np.ndarray,
    now_seconds: int,
    scored: np.ndarray,
    uncounted: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Customers without a score and why: future-only, foreign-currency-only, uncounted-only."""
    present = np.unique(orders.customer[orders.customer > 0])
    missing = np.setdiff1d(present, scored, assume_unique=True)
    reasons = np.empty(missing.size, dtype=object)
    if missing.size:
        current = orders.seconds <= now_seconds
        has_current = np.isin(missing, np.unique(orders.customer[current]))
        reasons[:] = np.where(has_current, "foreign_currency", "future_orders")
    extra = np.empty(0, dtype=np.int64)
    if uncounted is not None and np.size(uncounted):
        extra = np.setdiff1d(np.unique(np.asarray(uncounted, dtype=np.int64)), present)
    ids = np.concatenate([missing, extra])
    all_reasons = np.concatenate([reasons, np.full(extra.size, "no_counted_orders", dtype=object)])
    return ids.astype(np.int64), all_reasons


def _append_unscored(
    values: dict[str, object], ids: np.ndarray, reasons: np.ndarray, currency: str
) -> dict[str, object]:
    if ids.size == 0:
        return values
    k = ids.size
    blank_int = np.full(k, -1, dtype=np.int64)
    blank_float = np.full(k, np.nan)
    extra = {
        "customer_id": ids,
        "orders_count": np.zeros(k, dtype=np.int64),
        "total_revenue": np.zeros(k),
        "average_order_value": np.zeros(k),
        "rfm_segment": np.full(k, "", dtype=object),
        "churn_alarm": np.zeros(k, dtype=bool),
        "model": np.full(k, "rules", dtype=object),
        "unscored_reason": reasons,
    }
    merged: dict[str, object] = {}
    for name, column in values.items():
        if not isinstance(column, np.ndarray):
            merged[name] = column
            continue
        if name in extra:
            addition = extra[name]
        elif column.dtype.kind == "f":
            addition = blank_float
        else:
            addition = blank_int
        merged[name] = np.concatenate([column, np.asarray(addition).astype(column.dtype)])
    return merged


def _calibration(
    orders: OrderArrays, usable: np.ndarray, as_of_day: int, holdout_days: int, model: str
) -> dict:
    """Predicted vs actual purchase days in the last ``holdout_days``, per frequency bucket.

    The model is refitted on the orders before the holdout window only, so the check shows how
    well it predicts purchases it has not seen.
    """
    end = as_of_day - holdout_days
    model = model if model in scoring.MODELS else "bgnbd"
    base = {"model": model, "holdout_days": holdout_days}
    customer, day = orders.customer[usable], orders.day[usable].astype(float)
    if not np.any(day <= end):
        return base | {"error": "no orders before the holdout window", "error_code": "no_orders"}
    summary = backtest_calibration.summarize(customer, day, float(end), float(as_of_day))
    if summary.customer.size < 20:
        return base | {
            "error": "too few customers before the holdout window",
            "error_code": "too_few_customers",
        }
    try:
        with np.errstate(all="ignore"):
            params, _ = scoring.fit_model(model, summary.frequency, summary.recency, summary.T)
            check = backtest_calibration.calibration_check(
                params,
                summary.frequency,
                summary.recency,
                summary.T,
                summary.holdout_purchases,
                summary.holdout_length,
            )
    except (btyd.FitError, ValueError, FloatingPointError, ArithmeticError) as error:
        # The exception's text stays for the log and the command line; pages show the code's
        # sentence in the reader's language.
        return base | {"error": str(error) or type(error).__name__, "error_code": "fit_failed"}
    return base | {
        "customers": int(summary.customer.size),
        "parameters": asdict(params),
        "buckets": [
            {
                "frequency": bucket.label,
                "customers": bucket.customers,
                "predicted": _json_number(bucket.predicted, 4),
                "actual": _json_number(bucket.actual, 4),
            }
            for bucket in check.buckets
        ],
        "predicted_total": _json_number(check.predicted_total, 2),
        "actual_total": _json_number(check.actual_total, 2),
        "total_ratio": _json_number(check.total_ratio, 4),
        "mean_absolute_error": _json_number(check.mean_absolute_error, 4),
    }


def _json_number(value: float | None, digits: int) -> float | None:
    """A rounded float, or None for missing and non-finite values (JSON has no NaN)."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)
