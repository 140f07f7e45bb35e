"""Per-customer purchase summaries, RFM quintile scores and the named RFM segments.

Pure numpy: arrays of orders in, one entry per customer out.

Purchases are counted per calendar day, as the BTYD models (and the ``lifetimes`` package's
``summary_data_from_transaction_data``) do: two orders on the same day are one purchase for
frequency and recency, while ``orders`` keeps the real order count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Segment codes match stammkunde.analytics.models.RFMSegment (kept free of Django here).
SEGMENT_CODES = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)

# SEGMENT_MAP[r - 1][f - 1]: the usual recency x frequency grid (R rows 1..5, F columns 1..5).
# R5: F1 new, F2-3 potential loyalists, F4-5 champions; R4: F1 promising, F2-3 potential
# loyalists, F4-5 loyal; R3: F1-2 about to sleep, F3 need attention, F4-5 loyal; R2: F1-2
# hibernating, F3-4 at risk, F5 can't lose; R1: F1-2 lost, F3-4 at risk, F5 can't lose.
SEGMENT_MAP = (
    ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)


@dataclass(frozen=True)
class CustomerSummary:
    """One entry per customer (sorted by ``customer``); times in days.

    ``frequency`` is the number of repeat purchase days (x), ``recency`` the days from the first
    to the last purchase day (t_x), ``age`` the days from the first purchase day to the as-of
    day (T), ``repeat_value`` the mean value of the repeat purchase days (0 when x = 0), as the
    Gamma-Gamma model wants it.
    """

    customer: np.ndarray
    orders: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    revenue: np.ndarray
    repeat_value: np.ndarray

    def __len__(self) -> int:
        return int(self.customer.size)

    @property
    def days_since_last(self) -> np.ndarray:
        return self.age - self.recency


def summarize(
    customer: np.ndarray, day: np.ndarray, value: np.ndarray, as_of_day: int
) -> CustomerSummary:
    """Summaries per customer from one entry per order (any order of entries).

    Orders after ``as_of_day`` must have been removed by the caller.
    """
    customer = np.asarray(customer, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    if customer.size == 0:
        empty_i = np.empty(0, dtype=np.int64)
        empty_f = np.empty(0, dtype=np.float64)
        return CustomerSummary(
            empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_f, empty_f
        )
    if not is_sorted(customer, day):
        order = np.lexsort((day, customer))
        customer, day, value = customer[order], day[order], value[order]
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    ids = customer[starts]
    orders = np.diff(np.r_[starts, customer.size])
    revenue = np.add.reduceat(value, starts)
    first_day = day[starts]
    last_day = day[np.r_[starts[1:], customer.size] - 1]

    # Collapse to purchase days: one entry per (customer, day) with the day's total value.
    new_day = np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])]
    day_starts = np.flatnonzero(new_day)
    day_value = np.add.reduceat(value, day_starts)
    day_customer_start = np.searchsorted(day_starts, starts)
    purchase_days = np.diff(np.r_[day_customer_start, day_starts.size])
    frequency = purchase_days - 1
    # Sum of all purchase days' values less the first day's value = the repeat purchases' total.
    day_totals = np.add.reduceat(day_value, day_customer_start)
    repeat_total = day_totals - day_value[day_customer_start]
    repeat_value = np.divide(
        repeat_total, frequency, out=np.zeros_like(repeat_total), where=frequency > 0
    )
    return CustomerSummary(
        customer=ids,
        orders=orders.astype(np.int64),
        first_day=first_day,
        last_day=last_day,
        frequency=frequency.astype(np.int64),
        recency=(last_day - first_day).astype(np.int64),
        age=(as_of_day - first_day).astype(np.int64),
        revenue=revenue,
        repeat_value=repeat_value,
    )


def is_sorted(customer: np.ndarray, key: np.ndarray) -> bool:
    """Whether entries are ordered by customer, then ``key`` (checked in one linear pass)."""
    if customer.size < 2:
        return True
    step = np.diff(customer)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(key) >= 0))))


def first_in_runs(customer: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Index of the first entry of each distinct (customer, key) pair.

    Linear when the entries are sorted by customer, then key (as the reader delivers them);
    otherwise one np.unique over a combined key.
    """
    customer = np.asarray(customer, dtype=np.int64)
    key = np.asarray(key, dtype=np.int64)
    if customer.size == 0:
        return np.empty(0, dtype=np.int64)
    if is_sorted(customer, key):
        change = (customer[1:] != customer[:-1]) | (key[1:] != key[:-1])
        return np.flatnonzero(np.r_[True, change])
    span = int(key.max()) - int(key.min()) + 1
    _, first = np.unique(customer * span + (key - key.min()), return_index=True)
    return first


def quintile_scores(
    values: np.ndarray, *, higher_is_better: bool = True, ties: str = "lower"
) -> np.ndarray:
    """Score 1..5: the quintile of the share of customers with a worse value.

    ``ties="lower"``: tied customers share the lower quintile (share = strictly worse), so the
    60% of customers with a single order all get F = 1 rather than an arbitrary split of equal
    values. ``ties="middle"``: tied customers share the quintile of their middle rank (share =
    strictly worse + half of the other tied ones), so a value everyone shares says nothing: when
    all customers ordered on the same day, all get R = 3, not R = 1 ("lost").
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.empty(0, dtype=np.int8)
    if ties not in ("lower", "middle"):
        raise ValueError(f"unknown ties rule {ties!r}")
    ordered = np.sort(values)
    left = np.searchsorted(ordered, values, side="left")
    right = np.searchsorted(ordered, values, side="right")
    worse = left if higher_is_better else values.size - right
    if ties == "middle":
        share = (worse + (right - left - 1) / 2) / values.size
    else:
        share = worse / values.size
    return (1 + np.minimum(4, np.floor(share * 5))).astype(np.int8)


def rfm_scores(
    days_since_last: np.ndarray, orders: np.ndarray, revenue: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, F and M scores 1..5 (R: fewer days since the last order is better).

    Recency ties share their middle quintile: days since the last order are relative (everyone
    ordering on one day does not make everyone "lost"); frequency ties share the lower one (one
    order is the least there is).
    """
    return (
        quintile_scores(days_since_last, higher_is_better=False, ties="middle"),
        quintile_scores(orders),
        quintile_scores(revenue),
    )


def segments(r_score: np.ndarray, f_score: np.ndarray) -> np.ndarray:
    """Segment code per customer from the R and F scores (see SEGMENT_MAP)."""
    grid = np.array(SEGMENT_MAP, dtype=object)
    r = np.clip(np.asarray(r_score, dtype=np.int64), 1, 5) - 1
    f = np.clip(np.asarray(f_score, dtype=np.int64), 1, 5) - 1
    return grid[r, f]
