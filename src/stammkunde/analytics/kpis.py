"""Order KPIs per day, week and month, and the early-warning rule for unusual changes.

The points and their warnings are built in kpi_warnings from the functions here.

Aggregation is pure numpy (orders in, one row per period out). The warning rule, documented in
docs/ANALYTICS.md, judges each period's change against this shop's own history of changes:

* the change of a KPI is the log ratio to the comparison period for amounts and counts
  (revenue, orders, basket value, frequency, new and returning customers) and the difference
  in percentage points for rates (repeat rate, return rate);
* the comparison period is the previous week or month, and for days the same weekday one
  week earlier (shops sell differently on Sundays and Mondays);
* seasonality: once the shop has a year of history, what the same time of year usually brings
  (the median of the changes one, two and three years earlier, as far as known; 52 weeks for
  days, so the weekday matches) is taken off the change first, so December's rise is no
  surprise in the second December;
* the (adjusted) change is scored against the preceding changes (8 weeks of days, 26 weeks,
  24 months) with the robust z-score z = (change - median) / scale, scale = 1.4826 x MAD
  (the modified z-score of Iglewicz and Hoaglin), or 1.2533 x the mean absolute deviation
  when that is larger; |z| > 3.5 is unusual;
* the change must also matter: at least 10% for amounts and counts, 2 percentage points for
  rates, both as measured and after the seasonal adjustment (a 3% rise is never news, even
  when the same month usually falls); and it must rest on enough orders: counts must move by
  at least 5, and both periods need at least 10 orders (20 for a rate), so a shop going from
  two orders to four is not "doubling". At least 8 earlier changes are needed, and the
  current, unfinished period is never judged;
* only the recent past is shown (``recent_warnings``): the last complete week of days, the
  last two complete weeks or months. A change long ago is history, not a warning.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from stammkunde.analytics.rfm import first_in_runs

EPOCH = date(1970, 1, 1)
PERIODS = ("day", "week", "month")
MIN_HISTORY = 8
HISTORY = {"day": 56, "week": 26, "month": 24}
LAG = {"day": 7, "week": 1, "month": 1}
# A year in periods (for days 52 weeks, so the weekday matches), and how many earlier years
# make the seasonal norm.
SEASON = {"day": 364, "week": 52, "month": 12}
SEASON_YEARS = 3
# KPI name -> whether its change is a ratio (log) or a difference of rates.
KPI_KINDS = {
    "revenue": "ratio",
    "orders": "ratio",
    "average_order_value": "ratio",
    "purchase_frequency": "ratio",
    "new_customers": "ratio",
    "returning_customers": "ratio",
    "repeat_rate": "difference",
    "return_rate": "difference",
}
MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533


def period_starts(days: np.ndarray, period: str) -> np.ndarray:
    """Day numbers (since 1970-01-01) of the start of each day's period."""
    days = np.asarray(days, dtype=np.int64)
    if period == "day":
        return days
    if period == "week":
        # 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
        return days - (days + 3) % 7
    if period == "month":
        months = days.astype("datetime64[D]").astype("datetime64[M]")
        return months.astype("datetime64[D]").astype(np.int64)
    raise ValueError(f"unknown period {period!r}")


def next_period_start(start: int, period: str) -> int:
    if period == "day":
        return start + 1
    if period == "week":
        return start + 7
    month = np.array([start], dtype="datetime64[D]").astype("datetime64[M]") + 1
    return int(month.astype("datetime64[D]").astype(np.int64)[0])


@dataclass
class PeriodTable:
    """KPI counts per period, dense (periods without orders are zero rows)."""

    start: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray
    customers: np.ndarray
    new_customers: np.ndarray
    returning_customers: np.ndarray
    repeat_orders: np.ndarray
    returned_orders: np.ndarray


def aggregate(
    customer: np.ndarray,
    day: np.ndarray,
    value: np.ndarray,
    returned: np.ndarray,
    is_first_order: np.ndarray,
    customer_first_day: np.ndarray,
    period: str,
) -> PeriodTable:
    """Aggregate orders of one currency into periods.

    ``customer_first_day`` is, per order, the day of that customer's first counted order in any
    currency: a customer is new in the period that contains it, returning in later ones.
    """
    customer = np.asarray(customer, dtype=np.int64)
    start = period_starts(day, period)
    if start.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return PeriodTable(empty, empty, np.empty(0), empty, empty, empty, empty, empty)
    first_period = period_starts(customer_first_day, period)
    dense = dense_starts(int(start.min()), int(start.max()), period)
    slot = np.searchsorted(dense, start)
    size = dense.size
    orders = np.bincount(slot, minlength=size)
    revenue = np.bincount(slot, weights=np.asarray(value, dtype=float), minlength=size)
    repeat = np.bincount(slot, weights=~np.asarray(is_first_order, bool), minlength=size)
    returns = np.bincount(slot, weights=np.asarray(returned, bool), minlength=size)
    # Distinct (customer, period) pairs: a customer buying twice in a week counts once.
    first_index = first_in_runs(customer, slot)
    pair_slot = slot[first_index]
    customers = np.bincount(pair_slot, minlength=size)
    is_new = first_period[first_index] == start[first_index]
    new = np.bincount(pair_slot, weights=is_new, minlength=size)
    return PeriodTable(
        start=dense,
        orders=orders.astype(np.int64),
        revenue=revenue,
        customers=customers.astype(np.int64),
        new_customers=new.astype(np.int64),
        returning_customers=(customers - new).astype(np.int64),
        repeat_orders=repeat.astype(np.int64),
        returned_orders=returns.astype(np.int64),
    )


def dense_starts(first: int, last: int, period: str) -> np.ndarray:
    if period == "day":
        return np.arange(first, last + 1, dtype=np.int64)
    if period == "week":
        return np.arange(first, last + 1, 7, dtype=np.int64)
    months = np.arange(
        np.datetime64(int(first), "D").astype("datetime64[M]"),
        np.datetime64(int(last), "D").astype("datetime64[M]") + 1,
    )
    return months.astype("datetime64[D]").astype(np.int64)


def kpi_values(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The eight KPIs from the stored counts (NaN where a rate has no denominator)."""
    orders = np.asarray(table["orders"], dtype=float)
    customers = np.asarray(table["customers"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "revenue": np.asarray(table["revenue"], dtype=float),
            "orders": orders,
            "average_order_value": np.where(orders > 0, table["revenue"] / orders, np.nan),
            "purchase_frequency": np.where(customers > 0, orders / customers, np.nan),
            "new_customers": np.asarray(table["new_customers"], dtype=float),
            "returning_customers": np.asarray(table["returning_customers"], dtype=float),
            "repeat_rate": np.where(orders > 0, table["repeat_orders"] / orders, np.nan),
            "return_rate": np.where(orders > 0, table["returned_orders"] / orders, np.nan),
        }


def changes(values: np.ndarray, *, kind: str, lag: int) -> np.ndarray:
    """Change of each period against the period ``lag`` steps earlier (NaN where undefined)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, np.nan)
    if values.size <= lag:
        return out
    now, before = values[lag:], values[:-lag]
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            valid = (now > 0) & (before > 0)
            out[lag:] = np.where(valid, np.log(np.where(valid, now / before, 1.0)), np.nan)
        else:
            out[lag:] = now - before
    return out


def seasonally_adjusted(
    change: np.ndarray, *, season: int, years: int = SEASON_YEARS
) -> np.ndarray:
    """Each change minus the median of the changes ``season``, 2 x ``season`` ... periods
    earlier (up to ``years`` of them, where known); unchanged where no earlier year is known."""
    change = np.asarray(change, dtype=float)
    earlier = np.full((years, change.size), np.nan)
    for year in range(1, years + 1):
        lag = year * season
        if change.size > lag:
            earlier[year - 1, lag:] = change[:-lag]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no earlier year known yet
        usual = np.nanmedian(earlier, axis=0)
    return np.where(np.isfinite(usual), change - usual, change)


def robust_z_scores(
    change: np.ndarray, *, history: int, min_history: int = MIN_HISTORY
) -> np.ndarray:
    """Modified z-score of each change against the up to ``history`` changes before it.

    The scale is the larger of the MAD and the mean absolute deviation (both scaled to a normal
    sigma): when more than half the past changes are (nearly) equal the MAD collapses towards zero
    and every small change would look unusual. Vectorized over sliding windows, so the day view
    of a ten-year-old shop stays fast.
    """
    change = np.asarray(change, dtype=float)
    z = np.full(change.shape, np.nan)
    if change.size == 0:
        return z
    finite_past = np.where(np.isfinite(change), change, np.nan)
    padded = np.concatenate([np.full(history, np.nan), finite_past])
    windows = sliding_window_view(padded[:-1], history)  # row i: the `history` changes before i
    counts = np.isfinite(windows).sum(axis=1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows of a young shop
        median = np.nanmedian(windows, axis=1)
        deviations = np.abs(windows - median[:, None])
        mad = MAD_TO_SIGMA * np.nanmedian(deviations, axis=1)
        mean_ad = MEAN_AD_TO_SIGMA * np.nanmean(deviations, axis=1)
    scale = np.maximum(mad, mean_ad)
    ok = np.isfinite(change) & (counts >= min_history) & (scale > 0)
    z[ok] = (change[ok] - median[ok]) / scale[ok]
    return z
