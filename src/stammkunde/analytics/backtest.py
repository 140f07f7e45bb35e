"""The churn backtest anyone can rerun, and the calibration/holdout check (pure numpy).

Given every purchase as (customer index, time in days), a calibration end and a holdout end:

1. summarise each customer who had bought by the calibration end: repeat purchases x, recency t_x,
   age T, and the number of purchases in the holdout window (purchases at the same time count once,
   as in Fader, Hardie & Lee's treatment of CDNOW);
2. fit BG/NBD and Pareto/NBD on the calibration summaries;
3. score every customer with the product's churn signals - the days since the last order, the
   alarm at k x the shop's average reorder interval (the very rule the scoring job uses), the
   model's churn risk (``btyd.risk``), BG/NBD and Pareto/NBD P(alive) - and measure on the same
   customers (all, and the repeaters separately) how well each ranks who did NOT buy again in the
   holdout (AUC), with bootstrap 95% intervals of each AUC's difference to the days since the
   last order, and how many flagged customers really did not (precision: the alarm flags by its
   own rule, the others flag as many customers as really did not buy again);
4. say in plain words which signal to trust on this data, and pick the signal the product shows:
   a model's figure only where it beats the days since the last order beyond the 95% interval.

``calibration_check`` compares the model's expected holdout purchases with the actual ones per
calibration frequency (0, 1, ..., 7+), as in FHL 2005 Figure 3.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict, dataclass

import numpy as np
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from numpy.typing import ArrayLike, NDArray

from . import intervals
from .backtest_metrics import RankedScores, flag_top_share, precision_among_flagged, roc_auc
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
from .scoring import MIN_MODEL_CUSTOMERS, MIN_MODEL_REPEATERS

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


def alarm_reference_interval(frequency: ArrayLike, recency: ArrayLike) -> float | None:
    """The interval the product's alarm compares with: the shop's average reorder interval.

    Exactly the scoring job's default (``intervals.store_interval``): the mean of the repeat
    customers' own mean intervals, each repeat customer counting once. None without repeaters.
    """
    return intervals.store_interval(intervals.own_intervals(frequency, recency))


def churn_alarm_flags(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, factor: float
) -> tuple[NDArray[np.bool_], float | None]:
    """The product's alarm on calibration data: days since the last order > factor x average.

    Returns the flags and the average reorder interval they used (no flags without one).
    """
    age = np.asarray(T, dtype=np.float64)
    since_last = age - np.asarray(recency, dtype=np.float64)
    reference = alarm_reference_interval(frequency, recency)
    if reference is None:
        return np.zeros(age.shape, dtype=bool), None
    alarm, _overdue, _after = intervals.churn_alarm(
        since_last, np.full(age.shape, reference), factor=factor
    )
    return alarm, reference


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


BASELINE = "days_since_last"
# The order of the table: the plain rules first, then the models' figures.
SIGNAL_KEYS = ("days_since_last", "churn_alarm", "churn_risk", "bgnbd_p_alive", "paretonbd_p_alive")
# Signals whose figure the product can show per customer: the plain rule (days since the last
# order with the alarm on it) or a model's figure.
SHOWN_SIGNALS = ("days_since_last", "churn_risk", "bgnbd_p_alive", "paretonbd_p_alive")
DEFAULT_SHOWN_SIGNAL = "days_since_last"
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20261203
# Below this AUC (0.5 is chance) a signal is not worth trusting for anything.
USEFUL_AUC = 0.55


@dataclass(frozen=True)
class Difference:
    """AUC of a signal minus the AUC of the days since the last order, with its 95% interval.

    The interval comes from resampling the customers with replacement (percentile bootstrap;
    the models stay fitted on the full calibration data).
    """

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class SignalResult:
    """How one churn signal did on the same customers.

    ``auc``/``auc_repeaters``: how well it ranks who did NOT buy again, over all customers and
    over the customers with 2+ purchase days in calibration (0.5 is chance, 1 perfect).
    ``precision``: the share of its flagged customers who really did not buy again, where the
    alarm flags by its own rule and every other signal flags as many customers as really did not
    buy again (``threshold`` says which). ``difference``/``difference_repeaters``: AUC minus the
    AUC of the days since the last order (None for that signal itself).
    """

    key: str
    label: str
    auc: float | None
    auc_repeaters: float | None
    precision: float | None
    flagged: int
    threshold: str
    difference: Difference | None = None
    difference_repeaters: Difference | None = None


@dataclass(frozen=True)
class BacktestResult:
    """What the backtest measured; ``verdict`` says which signal to trust, in the user's language.

    ``customers_returned`` bought again in the holdout; the signals rank the others (the ones who
    did not) first. Parameters are None where a model could not be fitted. ``shown_signal`` is
    the signal the product shows per customer after this backtest.
    """

    customers: int
    customers_returned: int
    repeaters: int
    repeaters_returned: int
    one_time_buyers: int
    one_time_buyers_returned: int
    holdout_length: float
    risk_horizon: float
    churn_factor: float
    alarm_interval: float | None
    bootstrap_samples: int
    bgnbd: BGNBDParams | None
    paretonbd: ParetoNBDParams | None
    signals: tuple[SignalResult, ...]
    best_signal: str | None
    shown_signal: str
    verdict: str
    calibration: CalibrationCheck | None

    def signal(self, key: str) -> SignalResult | None:
        return next((item for item in self.signals if item.key == key), None)

    def to_dict(self) -> dict:
        """Plain JSON-ready values (for ScoringRun.backtest)."""
        return asdict(self)


def signal_label(key: str) -> str:
    """The signal's name in the user's language."""
    labels = {
        "days_since_last": _("days since the last order"),
        "churn_alarm": _("churn alarm (k x average reorder interval)"),
        "churn_risk": _("model churn risk (next 90 days)"),
        "bgnbd_p_alive": _("BG/NBD probability still active"),
        "paretonbd_p_alive": _("Pareto/NBD probability still active"),
    }
    return labels[key]


def bootstrap_differences(
    scores: dict[str, ArrayLike],
    labels: ArrayLike,
    *,
    baseline: str,
    population: ArrayLike | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Difference]:
    """AUC(signal) - AUC(baseline) per signal, with percentile 95% intervals.

    Each bootstrap sample draws the customers of ``population`` (default: all) with replacement;
    every signal is measured on the same draw, so the interval is that of the paired difference.
    Signals with an undefined AUC (one class empty) are left out.
    """
    label = np.asarray(labels, dtype=bool)
    members = (
        np.ones(label.size, dtype=bool)
        if population is None
        else np.asarray(population, dtype=bool)
    )
    index = np.flatnonzero(members)
    if index.size == 0:
        return {}
    ranked = {
        key: RankedScores(np.asarray(value)[index], label[index]) for key, value in scores.items()
    }
    point = {key: item.auc(np.ones(index.size))[0] for key, item in ranked.items()}
    if not np.isfinite(point[baseline]):
        return {}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[np.ndarray]] = {key: [] for key in ranked}
    chunk = max(1, min(samples, 2_000_000 // max(index.size, 1)))
    done = 0
    while done < samples:
        size = min(chunk, samples - done)
        weights = rng.multinomial(index.size, np.full(index.size, 1 / index.size), size=size)
        for key, item in ranked.items():
            draws[key].append(item.auc(weights))
        done += size
    base = np.concatenate(draws[baseline])
    result = {}
    for key in ranked:
        if key == baseline or not np.isfinite(point[key]):
            continue
        difference = np.concatenate(draws[key]) - base
        difference = difference[np.isfinite(difference)]
        if difference.size == 0:
            continue
        low, high = np.percentile(difference, [2.5, 97.5])
        result[key] = Difference(float(point[key] - point[baseline]), float(low), float(high))
    return result


def pick_shown_signal(signals: list[SignalResult] | tuple[SignalResult, ...]) -> str:
    """The signal to show: a model's only if it beats the days since the last order for sure.

    "For sure": over all customers the 95% interval of its AUC difference lies above zero; among
    several such, the one with the largest lower bound. Otherwise the plain rule.
    """
    better = [
        item
        for item in signals
        if item.key in SHOWN_SIGNALS
        and item.key != BASELINE
        and item.difference is not None
        and item.difference.low > 0
    ]
    if not better:
        return BASELINE
    return max(better, key=lambda item: item.difference.low).key


def _verdict(
    signals: list[SignalResult],
    customers: int,
    shown: str,
    alarm_interval: float | None,
    churn_factor: float,
) -> tuple[str | None, str]:
    """The key of the signal to trust and plain sentences about it (user's language)."""
    rated = [item for item in signals if item.auc is not None]
    if customers == 0:
        return None, _("No customer had ordered before the end of the calibration window.")
    if not rated:
        return None, _(
            "Cannot compare the signals yet: in the holdout window either every customer or no "
            "customer ordered again."
        )
    baseline = next((item for item in rated if item.key == BASELINE), None)
    best = max(rated, key=lambda item: item.auc)
    if best.auc < USEFUL_AUC:
        return None, _(
            "None of the signals predicts well on this shop's data who orders again (best: "
            "%(label)s, AUC %(auc).2f, where 0.5 is chance). Treat churn alarms as hints only."
        ) % {"label": best.label, "auc": best.auc}
    if shown != BASELINE:
        chosen = next(item for item in rated if item.key == shown)
        return shown, _(
            "Trust the %(label)s: on this shop's data it predicts better than the days since "
            "the last order who does not order again (AUC %(auc).2f against %(base).2f over all "
            "customers; difference %(diff)+.3f, 95%% interval %(low)+.3f to %(high)+.3f)."
        ) % {
            "label": chosen.label,
            "auc": chosen.auc,
            "base": baseline.auc if baseline else float("nan"),
            "diff": chosen.difference.estimate,
            "low": chosen.difference.low,
            "high": chosen.difference.high,
        }
    closest = max(
        (item for item in rated if item.difference is not None and item.key in SHOWN_SIGNALS),
        key=lambda item: item.difference.estimate,
        default=None,
    )
    sentence = _(
        "Trust the days since the last order: on this shop's data no model predicts better who "
        "does not order again (AUC %(base).2f over all customers)."
    ) % {"base": baseline.auc if baseline else float("nan")}
    if closest is not None:
        sentence += " " + _(
            "The closest, the %(label)s, differs by %(diff)+.3f (95%% interval %(low)+.3f to "
            "%(high)+.3f)."
        ) % {
            "label": closest.label,
            "diff": closest.difference.estimate,
            "low": closest.difference.low,
            "high": closest.difference.high,
        }
    better_for_repeaters = [
        item
        for item in rated
        if item.key in SHOWN_SIGNALS
        and item.difference_repeaters is not None
        and item.difference_repeaters.low > 0
    ]
    if better_for_repeaters:
        top = max(better_for_repeaters, key=lambda item: item.difference_repeaters.low)
        sentence += " " + _(
            "Among customers who have ordered more than once, the %(label)s predicts better "
            "(difference %(diff)+.3f, 95%% interval %(low)+.3f to %(high)+.3f)."
        ) % {
            "label": top.label,
            "diff": top.difference_repeaters.estimate,
            "low": top.difference_repeaters.low,
            "high": top.difference_repeaters.high,
        }
    if alarm_interval is not None:
        sentence += " " + _(
            "The churn alarm rings for customers who have waited more than %(days)d days, the "
            "factor times the average reorder interval of %(interval)d days."
        ) % {
            "days": int(np.floor(churn_factor * alarm_interval)),
            "interval": round(alarm_interval),
        }
    return BASELINE, sentence


def run_backtest(
    customer: ArrayLike,
    time: ArrayLike,
    calibration_end: float,
    holdout_end: float,
    *,
    churn_factor: float = 2.0,
    risk_horizon: float = DEFAULT_HORIZON_DAYS,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> BacktestResult:
    """Fit on the calibration window, measure the product's churn signals on the holdout window.

    Times are in days (``risk_horizon`` too). Every signal is measured on the same customers:
    all of them, and the repeaters (2+ purchase days by the calibration end) separately.
    """
    summary = summarize(customer, time, calibration_end, holdout_end)
    x, t_x, age = summary.frequency, summary.recency, summary.T
    gone = summary.holdout_purchases == 0  # the event every signal should rank first
    one_time = x == 0
    repeater = ~one_time
    base_count = int(np.count_nonzero(gone))

    scores: dict[str, FloatArray] = {}
    flags: dict[str, NDArray[np.bool_]] = {}
    thresholds: dict[str, str] = {}

    def add(key: str, score: FloatArray, flagged: NDArray[np.bool_] | None = None) -> None:
        scores[key] = np.asarray(score, dtype=np.float64)
        if flagged is None:
            flags[key] = flag_top_share(score, base_count)
            thresholds[key] = "base_rate"
        else:
            flags[key] = flagged
            thresholds[key] = "alarm"

    add("days_since_last", age - t_x)
    alarm, alarm_interval = churn_alarm_flags(x, t_x, age, factor=churn_factor)
    if alarm_interval is not None:
        add("churn_alarm", alarm.astype(np.float64), alarm)

    bgnbd_params = paretonbd_params = None
    calibration = None
    # The models are measured only where the scoring job would show their figures.
    enough = x.size >= MIN_MODEL_CUSTOMERS and np.count_nonzero(repeater) >= MIN_MODEL_REPEATERS
    with suppress(FitError):  # too little data: the rules still get measured
        if enough:
            bgnbd_params = fit_bgnbd(x, t_x, age)
    if bgnbd_params is not None:
        add("churn_risk", churn_risk(bgnbd_params, risk_horizon, x, t_x, age))
        add("bgnbd_p_alive", 1.0 - probability_alive(bgnbd_params, x, t_x, age))
        calibration = calibration_check(
            bgnbd_params, x, t_x, age, summary.holdout_purchases, summary.holdout_length
        )
    with suppress(FitError):
        if enough:
            paretonbd_params = fit_paretonbd(x, t_x, age)
    if paretonbd_params is not None:
        add("paretonbd_p_alive", 1.0 - probability_alive(paretonbd_params, x, t_x, age))

    differences = bootstrap_differences(scores, gone, baseline=BASELINE, samples=bootstrap_samples)
    differences_repeaters = bootstrap_differences(
        scores, gone, baseline=BASELINE, population=repeater, samples=bootstrap_samples
    )
    signals: list[SignalResult] = []
    for key in SIGNAL_KEYS:
        if key not in scores:
            continue
        signals.append(
            SignalResult(
                key=key,
                label=signal_label(key),
                auc=roc_auc(scores[key], gone) if x.size else None,
                auc_repeaters=roc_auc(scores[key][repeater], gone[repeater])
                if np.any(repeater)
                else None,
                precision=precision_among_flagged(flags[key], gone),
                flagged=int(flags[key].sum()),
                threshold=thresholds[key],
                difference=differences.get(key),
                difference_repeaters=differences_repeaters.get(key),
            )
        )

    shown = pick_shown_signal(signals)
    best, verdict = _verdict(signals, x.size, shown, alarm_interval, churn_factor)
    return BacktestResult(
        customers=int(x.size),
        customers_returned=int(np.count_nonzero(~gone)),
        repeaters=int(repeater.sum()),
        repeaters_returned=int(np.count_nonzero(repeater & ~gone)),
        one_time_buyers=int(one_time.sum()),
        one_time_buyers_returned=int(np.count_nonzero(one_time & ~gone)),
        holdout_length=summary.holdout_length,
        risk_horizon=float(risk_horizon),
        churn_factor=float(churn_factor),
        alarm_interval=alarm_interval,
        bootstrap_samples=int(bootstrap_samples),
        bgnbd=bgnbd_params,
        paretonbd=paretonbd_params,
        signals=tuple(signals),
        best_signal=best,
        shown_signal=shown,
        verdict=verdict,
        calibration=calibration,
    )


def _figure(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _interval(difference: dict | None) -> str:
    if not difference:
        return "-"
    return f"{difference['estimate']:+.3f} ({difference['low']:+.3f} .. {difference['high']:+.3f})"


def report_table(result: dict) -> str:
    """The backtest's like-for-like table as Markdown (the command prints it, the docs quote it).

    ``result`` is ``BacktestResult.to_dict()`` (or the stored ``ScoringRun.backtest``).
    """
    header = [
        _("signal"),
        _("AUC, all"),
        _("difference vs days since last order, all (95% interval)"),
        _("AUC, repeaters"),
        _("difference, repeaters (95% interval)"),
        _("precision"),
        _("flagged"),
        _("flagged by"),
    ]
    threshold = {"alarm": _("the alarm"), "base_rate": _("base-rate share")}
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + " --- |" * len(header),
    ]
    for signal in result["signals"]:
        lines.append(
            "| "
            + " | ".join(
                [
                    signal["label"],
                    _figure(signal["auc"]),
                    _interval(signal.get("difference")),
                    _figure(signal.get("auc_repeaters")),
                    _interval(signal.get("difference_repeaters")),
                    _figure(signal["precision"]),
                    str(signal["flagged"]),
                    threshold.get(signal.get("threshold", ""), "-"),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def report_counts(result: dict) -> str:
    """Who was measured: customers, repeaters, and how many of each ordered again."""
    return _(
        "%(customers)d customers, %(returned)d ordered again in the holdout; %(repeaters)d "
        "repeaters (2+ purchase days), %(repeaters_returned)d of them ordered again; "
        "%(one_time)d one-time buyers, %(one_time_returned)d of them ordered again. "
        "Intervals: %(samples)d bootstrap samples of the customers."
    ) % {
        "customers": result["customers"],
        "returned": result["customers_returned"],
        "repeaters": result.get("repeaters", 0),
        "repeaters_returned": result.get("repeaters_returned", 0),
        "one_time": result["one_time_buyers"],
        "one_time_returned": result["one_time_buyers_returned"],
        "samples": result.get("bootstrap_samples", 0),
    }
