"""The churn signals the backtest measures: how each is built, and how each ranks (pure numpy).

Every customer who had bought by the calibration end is scored with the product's churn signals:
the days since the last order, the alarm at k x the shop's average reorder interval (the very rule
the scoring job uses), the model's churn risk (``btyd.risk``), BG/NBD and Pareto/NBD P(alive).
Each is measured on the same customers (all, and the repeaters separately): how well it ranks who
did NOT buy again in the holdout (AUC), with bootstrap 95% intervals of its AUC's difference to the
days since the last order, and how many flagged customers really did not (precision: the alarm
flags by its own rule, the others flag as many customers as really did not buy again).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from numpy.typing import ArrayLike, NDArray

from . import intervals
from .backtest_calibration import CalibrationSummary
from .backtest_metrics import RankedScores, flag_top_share, precision_among_flagged, roc_auc
from .btyd import (
    BGNBDParams,
    FitError,
    ParetoNBDParams,
    churn_risk,
    fit_bgnbd,
    fit_paretonbd,
    probability_alive,
)
from .scoring import MIN_MODEL_CUSTOMERS, MIN_MODEL_REPEATERS

FloatArray = NDArray[np.float64]


def gettext_if_ready(message: str) -> str:
    """gettext when Django is configured (the app, the tests); the English text otherwise.

    The backtest's modules import it as ``_``, so makemessages finds their texts.
    """
    try:
        from django.utils.translation import gettext

        return gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


_ = gettext_if_ready


BASELINE = "days_since_last"
# The order of the table: the plain rules first, then the models' figures.
SIGNAL_KEYS = ("days_since_last", "churn_alarm", "churn_risk", "bgnbd_p_alive", "paretonbd_p_alive")
# Signals whose figure the product can show per customer: the plain rule (days since the last
# order with the alarm on it) or a model's figure.
SHOWN_SIGNALS = ("days_since_last", "churn_risk", "bgnbd_p_alive", "paretonbd_p_alive")
DEFAULT_SHOWN_SIGNAL = "days_since_last"
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20261203


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


@dataclass(frozen=True)
class MeasuredSignals:
    """The signals measured on one backtest's customers, and what they were built with.

    ``alarm_interval`` is the average reorder interval the alarm used (None without repeaters);
    the parameters are None where a model could not be fitted.
    """

    signals: tuple[SignalResult, ...]
    alarm_interval: float | None
    bgnbd: BGNBDParams | None
    paretonbd: ParetoNBDParams | None


def measure_signals(
    summary: CalibrationSummary,
    *,
    churn_factor: float,
    risk_horizon: float,
    bootstrap_samples: int,
) -> MeasuredSignals:
    """Build every signal on the calibration summaries and measure it on the holdout.

    The models are fitted (and their signals measured) only where the scoring job would show
    their figures; the signals come in the order of ``SIGNAL_KEYS``.
    """
    x, t_x, age = summary.frequency, summary.recency, summary.T
    gone = summary.holdout_purchases == 0  # the event every signal should rank first
    repeater = x != 0
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
    # The models are measured only where the scoring job would show their figures.
    enough = x.size >= MIN_MODEL_CUSTOMERS and np.count_nonzero(repeater) >= MIN_MODEL_REPEATERS
    with suppress(FitError):  # too little data: the rules still get measured
        if enough:
            bgnbd_params = fit_bgnbd(x, t_x, age)
    if bgnbd_params is not None:
        add("churn_risk", churn_risk(bgnbd_params, risk_horizon, x, t_x, age))
        add("bgnbd_p_alive", 1.0 - probability_alive(bgnbd_params, x, t_x, age))
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

    return MeasuredSignals(
        signals=tuple(signals),
        alarm_interval=alarm_interval,
        bgnbd=bgnbd_params,
        paretonbd=paretonbd_params,
    )
