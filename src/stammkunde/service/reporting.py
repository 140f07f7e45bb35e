"""Report figures of the service desk (no database): medians and 90th percentiles of response
and resolution times, the share of cases that met their standard, backlog by age."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Backlog age buckets: (upper bound, label key).
AGE_BUCKETS = (
    (timedelta(days=1), "under_1_day"),
    (timedelta(days=3), "1_to_3_days"),
    (timedelta(days=7), "3_to_7_days"),
    (timedelta(days=30), "7_to_30_days"),
    (None, "over_30_days"),
)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` percentile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower, upper = math.floor(position), math.ceil(position)
    if lower == upper:
        return float(ordered[lower])
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p90: float | None


def spread(values: Sequence[float]) -> Spread:
    return Spread(len(values), percentile(values, 0.5), percentile(values, 0.9))


def met_share(outcomes: Sequence[bool]) -> float | None:
    """The share of True (standard met) among the outcomes; None when there are none."""
    return sum(outcomes) / len(outcomes) if outcomes else None


def backlog_by_age(opened: Sequence[datetime], now: datetime) -> dict[str, int]:
    """How many open cases fall in each age bucket."""
    counts = {key: 0 for _bound, key in AGE_BUCKETS}
    for moment in opened:
        age = now - moment
        for bound, key in AGE_BUCKETS:
            if bound is None or age < bound:
                counts[key] += 1
                break
    return counts
