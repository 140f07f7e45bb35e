"""Reorder intervals and the churn alarm of seed 002, as pure numpy.

The seed's rule: take the average reorder interval of all customers; when the time since a
customer's last order exceeds twice that interval, the alarm bells should ring. The reference
interval can instead be the average of the customer's RFM segment or main product category
(or a fixed number of days the owner sets for one); the factor is configurable.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def own_intervals(frequency: np.ndarray, recency: np.ndarray) -> np.ndarray:
    """Each customer's mean days between purchase days; NaN with fewer than two purchase days."""
    frequency = np.asarray(frequency, dtype=np.float64)
    recency = np.asarray(recency, dtype=np.float64)
    out = np.full(frequency.shape, np.nan)
    np.divide(recency, frequency, out=out, where=frequency > 0)
    return out


def store_interval(own: np.ndarray) -> float | None:
    """The average of the customers' own mean intervals (each repeat customer counts once)."""
    own = np.asarray(own, dtype=np.float64)
    known = own[np.isfinite(own) & (own > 0)]
    return float(known.mean()) if known.size else None


def grouped_reference(
    own: np.ndarray,
    groups: np.ndarray,
    *,
    fallback: float | None,
    overrides: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Reference interval per customer: the mean own interval of the customer's group.

    A group without repeat customers uses ``fallback`` (the store-wide average); a group named
    in ``overrides`` uses that fixed number of days. NaN where nothing is known.
    """
    own = np.asarray(own, dtype=np.float64)
    groups = np.asarray(groups, dtype=object)
    result = np.full(own.shape, np.nan if fallback is None else float(fallback))
    if own.size == 0:
        return result
    names, inverse = np.unique(groups.astype(str), return_inverse=True)
    usable = np.isfinite(own) & (own > 0)
    sums = np.bincount(inverse[usable], weights=own[usable], minlength=names.size)
    counts = np.bincount(inverse[usable], minlength=names.size)
    means = np.divide(sums, counts, out=np.full(names.size, np.nan), where=counts > 0)
    for index, name in enumerate(names):
        fixed = (overrides or {}).get(str(name))
        if fixed is not None and _positive(fixed):
            means[index] = float(fixed)
    has_mean = np.isfinite(means[inverse])
    result[has_mean] = means[inverse][has_mean]
    return result


def _positive(value: object) -> bool:
    try:
        return float(value) > 0 and np.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def churn_alarm(
    days_since_last: np.ndarray, reference: np.ndarray, *, factor: float = 2.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The seed's alarm: days since the last order > factor x reference interval.

    Returns ``(alarm, days_overdue, alarm_after_days)``: the alarm flag, the days past the
    reference interval (0 while not yet due; -1 where no reference is known) and the number of
    days after the last order at which the alarm went (or will go) off (-1 where unknown).
    """
    days = np.asarray(days_since_last, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    known = np.isfinite(reference) & (reference > 0)
    threshold = np.where(known, factor * np.where(known, reference, 0.0), np.inf)
    alarm = known & (days > threshold)
    overdue = np.where(known, np.maximum(0.0, days - np.where(known, reference, 0.0)), -1.0)
    # The alarm rings on the first whole day past the threshold.
    after = np.where(known, np.floor(threshold.clip(max=1e9)) + 1, -1.0)
    return alarm, np.round(overdue).astype(np.int64), after.astype(np.int64)
