"""Calibration summaries and the calibration/holdout check of the churn backtest (pure numpy).

``summarize`` turns raw purchases (customer index, time in days) into each customer's repeat
purchases x, recency t_x and age T at the calibration end, and the purchases in the holdout window
(purchases at the same time count once, as in Fader, Hardie & Lee's treatment of CDNOW).
``calibration_check`` compares a model's expected holdout purchases with the actual ones per
calibration frequency (0, 1, ..., 7+), as in FHL 2005 Figure 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .btyd import expected_purchases
from .btyd.predictions import TransactionParams

FloatArray = NDArray[np.float64]


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
