"""The churn backtest anyone can rerun, and the calibration/holdout check (pure numpy).

Given every purchase as (customer index, time in days), a calibration end and a holdout end:

1. summarise each customer who had bought by the calibration end: repeat purchases x, recency t_x,
   age T, and the number of purchases in the holdout window (purchases at the same time count once,
   as in Fader, Hardie & Lee's treatment of CDNOW);
2. fit BG/NBD and Pareto/NBD on the calibration summaries;
3. score every customer with four churn signals - the seed's 2x-interval rule, BG/NBD P(alive),
   Pareto/NBD P(alive) and the churn risk Stammkunde shows (``btyd.risk``) - and measure how well
   each ranks who did NOT buy again in the holdout (AUC) and how many flagged customers really did
   not (precision among the flagged);
4. say in one sentence which signal to trust on this data.

``calibration_check`` compares the model's expected holdout purchases with the actual ones per
calibration frequency (0, 1, ..., 7+), as in FHL 2005 Figure 3.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict, dataclass

import numpy as np
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from numpy.typing import ArrayLike, NDArray

from .backtest_metrics import precision_among_flagged, roc_auc
from .btyd import (
    DEFAULT_HORIZON_DAYS,
    BGNBDParams,
    FitError,
    ParetoNBDParams,
    churn_risk,
    expected_purchases,
    fit_bgnbd,
    fit_paretonbd,
    probability_alive,
)
from .btyd.predictions import TransactionParams

FloatArray = NDArray[np.float64]


def _(message: str) -> str:
    """gettext when Django is configured (the app, the tests); the English text otherwise."""
    try:
        from django.utils.translation import gettext

        return gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


@dataclass(frozen=True)
class CalibrationSummary:
    """Per customer who had bought by the calibration end (customer indexes ascending)."""

    customer: NDArray[np.int64]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    holdout_purchases: NDArray[np.int64]
    holdout_length: float


def summarize(
    customer: ArrayLike, time: ArrayLike, calibration_end: float, holdout_end: float
) -> CalibrationSummary:
    """Calibration summaries and holdout counts from raw purchases (see the module docstring)."""
    ids = np.asarray(customer)
    times = np.asarray(time, dtype=np.float64)
    if ids.ndim != 1 or ids.shape != times.shape:
        raise ValueError("customer and time must be one-dimensional and of the same length.")
    if not np.all(np.isfinite(times)):
        raise ValueError("purchase times must be finite numbers.")
    if not np.isfinite(calibration_end) or not np.isfinite(holdout_end):
        raise ValueError("calibration_end and holdout_end must be finite.")
    if holdout_end <= calibration_end:
        raise ValueError("the holdout must end after the calibration period.")
    ids = ids.astype(np.int64)
    keep = times <= holdout_end
    ids, times = ids[keep], times[keep]

    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    if ids.size:
        distinct = np.ones(ids.size, dtype=bool)
        distinct[1:] = (ids[1:] != ids[:-1]) | (times[1:] != times[:-1])
        ids, times = ids[distinct], times[distinct]
    new_customer = np.ones(ids.size, dtype=bool)
    new_customer[1:] = ids[1:] != ids[:-1]
    group = np.cumsum(new_customer) - 1
    customers = ids[new_customer]
    first = times[new_customer]
    count = customers.size

    in_calibration = times <= calibration_end
    purchases = np.bincount(group[in_calibration], minlength=count)
    # Times ascend within a customer, so calibration purchases are a prefix of each group and
    # the last one sits where the next row is another customer or lies in the holdout.
    is_last = in_calibration.copy()
    is_last[:-1] &= (group[1:] != group[:-1]) | ~in_calibration[1:]
    last = np.zeros(count)
    last[group[is_last]] = times[is_last]
    holdout = np.bincount(group[~in_calibration], minlength=count)

    seen = first <= calibration_end
    return CalibrationSummary(
        customer=customers[seen],
        frequency=(purchases[seen] - 1).astype(np.float64),
        recency=(last - first)[seen],
        T=(calibration_end - first)[seen],
        holdout_purchases=holdout[seen].astype(np.int64),
        holdout_length=float(holdout_end - calibration_end),
    )


def overdue_ratio(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """The seed's rule as a score: time since the last order / the customer's mean interval.

    One-time buyers (and anyone without a measurable interval) use the store-wide mean reorder
    interval (all intervals pooled: sum of t_x / sum of x). The seed's alarm is ratio > 2.
    """
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64)
    age = np.asarray(T, dtype=np.float64)
    repeat = (x > 0) & (t_x > 0)
    store_interval = t_x[repeat].sum() / x[repeat].sum() if np.any(repeat) else 0.0
    own = np.where(repeat, t_x / np.maximum(x, 1.0), store_interval)
    since_last = age - t_x
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(own > 0, since_last / np.where(own > 0, own, 1.0), 0.0)
    return ratio


@dataclass(frozen=True)
class FrequencyBucket:
    """Mean predicted and actual holdout purchases of customers with this calibration frequency."""

    label: str
    customers: int
    predicted: float
    actual: float


@dataclass(frozen=True)
class CalibrationCheck:
    """Predicted vs actual holdout purchases per calibration frequency, plus two summary numbers.

    ``total_ratio`` = predicted total / actual total (1.0 is perfect); ``mean_absolute_error`` =
    customer-weighted mean of |predicted - actual| over the buckets' averages.
    """

    buckets: tuple[FrequencyBucket, ...]
    predicted_total: float
    actual_total: float
    total_ratio: float | None
    mean_absolute_error: float


def calibration_check(
    params: TransactionParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    holdout_purchases: ArrayLike,
    holdout_length: float,
    *,
    top_bucket: int = 7,
) -> CalibrationCheck:
    """Compare expected with actual holdout purchases per calibration frequency 0..top_bucket+."""
    x = np.asarray(frequency, dtype=np.float64)
    actual = np.asarray(holdout_purchases, dtype=np.float64)
    predicted = expected_purchases(params, holdout_length, x, recency, T)
    bucket = np.minimum(x, top_bucket).astype(np.int64)
    buckets = []
    weighted_error = 0.0
    for value in range(top_bucket + 1):
        members = bucket == value
        size = int(members.sum())
        if size == 0:
            continue
        mean_predicted = float(predicted[members].mean())
        mean_actual = float(actual[members].mean())
        weighted_error += size * abs(mean_predicted - mean_actual)
        label = f"{value}+" if value == top_bucket else str(value)
        buckets.append(FrequencyBucket(label, size, mean_predicted, mean_actual))
    predicted_total = float(predicted.sum())
    actual_total = float(actual.sum())
    return CalibrationCheck(
        buckets=tuple(buckets),
        predicted_total=predicted_total,
        actual_total=actual_total,
        total_ratio=predicted_total / actual_total if actual_total > 0 else None,
        mean_absolute_error=weighted_error / max(x.size, 1),
    )


@dataclass(frozen=True)
class SignalResult:
    """How one churn signal did: AUC for 'did not buy again', precision among its flagged."""

    key: str
    label: str
    auc: float | None
    precision: float | None
    flagged: int


@dataclass(frozen=True)
class BacktestResult:
    """What the backtest measured; ``verdict`` says which signal to trust, in the user's language.

    ``customers_returned`` bought again in the holdout; the signals rank the others (the ones who
    did not) first. Parameters are None where a model could not be fitted.
    """

    customers: int
    customers_returned: int
    one_time_buyers: int
    one_time_buyers_returned: int
    holdout_length: float
    risk_horizon: float
    bgnbd: BGNBDParams | None
    paretonbd: ParetoNBDParams | None
    signals: tuple[SignalResult, ...]
    best_signal: str | None
    verdict: str
    calibration: CalibrationCheck | None

    def signal(self, key: str) -> SignalResult | None:
        return next((item for item in self.signals if item.key == key), None)

    def to_dict(self) -> dict:
        """Plain JSON-ready values (for ScoringRun.backtest)."""
        return asdict(self)


def _label(key: str) -> str:
    labels = {
        "churn_risk": _("shown churn risk"),
        "seed_rule": _("2x-interval rule"),
        "bgnbd_p_alive": _("BG/NBD probability alive"),
        "paretonbd_p_alive": _("Pareto/NBD probability alive"),
    }
    return labels[key]


def _verdict(signals: list[SignalResult], customers: int) -> tuple[str | None, str]:
    """The key of the best-ranking signal and one plain-language sentence about it."""
    rated = [item for item in signals if item.auc is not None]
    if customers == 0:
        return None, _("No customer had ordered before the end of the calibration window.")
    if not rated:
        return None, _(
            "Cannot compare the signals yet: in the holdout window either every customer or no "
            "customer ordered again."
        )
    best = max(rated, key=lambda item: item.auc)
    others = "; ".join(f"{item.label} {item.auc:.2f}" for item in rated if item is not best)
    if best.auc < 0.55:
        return best.key, _(
            "None of the signals predicts well who orders again (best: %(label)s, AUC %(auc).2f; "
            "0.5 is chance). Treat churn alarms as hints only."
        ) % {"label": best.label, "auc": best.auc}
    return best.key, _(
        "Trust the %(label)s: it ranks best who does not order again (AUC %(auc).2f, where 0.5 "
        "is chance and 1 is perfect; others: %(others)s)."
    ) % {"label": best.label, "auc": best.auc, "others": others or "-"}


def run_backtest(
    customer: ArrayLike,
    time: ArrayLike,
    calibration_end: float,
    holdout_end: float,
    *,
    churn_factor: float = 2.0,
    risk_horizon: float = DEFAULT_HORIZON_DAYS,
    flag_threshold: float = 0.5,
) -> BacktestResult:
    """Fit on the calibration window, measure the four churn signals on the holdout window.

    Times are in days (``risk_horizon`` too). A signal flags a customer when the seed ratio
    exceeds ``churn_factor``, P(alive) is below ``flag_threshold``, or the churn risk is above it.
    """
    summary = summarize(customer, time, calibration_end, holdout_end)
    x, t_x, age = summary.frequency, summary.recency, summary.T
    gone = summary.holdout_purchases == 0  # the event every signal should rank first
    one_time = x == 0

    signals: list[SignalResult] = []

    def add(key: str, score: FloatArray, flags: NDArray[np.bool_]) -> None:
        signals.append(
            SignalResult(
                key=key,
                label=_label(key),
                auc=roc_auc(score, gone) if x.size else None,
                precision=precision_among_flagged(flags, gone),
                flagged=int(flags.sum()),
            )
        )

    bgnbd_params = paretonbd_params = None
    calibration = None
    with suppress(FitError):  # too little data: the rule still gets measured
        bgnbd_params = fit_bgnbd(x, t_x, age)
    if bgnbd_params is not None:
        risk = churn_risk(bgnbd_params, risk_horizon, x, t_x, age)
        add("churn_risk", risk, risk > flag_threshold)
    ratio = overdue_ratio(x, t_x, age)
    add("seed_rule", ratio, ratio > churn_factor)
    if bgnbd_params is not None:
        alive = probability_alive(bgnbd_params, x, t_x, age)
        add("bgnbd_p_alive", 1.0 - alive, alive < flag_threshold)
        calibration = calibration_check(
            bgnbd_params, x, t_x, age, summary.holdout_purchases, summary.holdout_length
        )
    with suppress(FitError):
        paretonbd_params = fit_paretonbd(x, t_x, age)
    if paretonbd_params is not None:
        alive = probability_alive(paretonbd_params, x, t_x, age)
        add("paretonbd_p_alive", 1.0 - alive, alive < flag_threshold)

    returned = int(np.count_nonzero(~gone))
    best, verdict = _verdict(signals, x.size)
    return BacktestResult(
        customers=int(x.size),
        customers_returned=returned,
        one_time_buyers=int(one_time.sum()),
        one_time_buyers_returned=int(np.count_nonzero(one_time & ~gone)),
        holdout_length=summary.holdout_length,
        risk_horizon=float(risk_horizon),
        bgnbd=bgnbd_params,
        paretonbd=paretonbd_params,
        signals=tuple(signals),
        best_signal=best,
        verdict=verdict,
        calibration=calibration,
    )
