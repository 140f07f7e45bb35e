"""Monthly acquisition cohorts: who first bought in a month, and what they did afterwards.

Pure numpy. A customer's cohort is the month of their first counted order; month offset 0 is
that month itself (so its retention is 100%), offset k the k-th calendar month after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stammkunde.analytics.rfm import first_in_runs


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Day numbers (since 1970-01-01) -> month numbers (months since January 1970)."""
    days = np.asarray(days, dtype=np.int64)
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


@dataclass
class CohortCells:
    """One entry per (cohort month, month offset) with at least one order."""

    cohort_month: np.ndarray  # month numbers
    month_offset: np.ndarray
    customers: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray


def cohort_cells(
    customer: np.ndarray, day: np.ndarray, value: np.ndarray, customer_first_day: np.ndarray
) -> CohortCells:
    """Active customers, orders and revenue per cohort and month offset.

    ``customer_first_day`` is, per order, the day of that customer's first counted order.
    """
    customer = np.asarray(customer, dtype=np.int64)
    if customer.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return CohortCells(empty, empty, empty, empty, np.empty(0))
    cohort = month_numbers(customer_first_day)
    offset = month_numbers(day) - cohort
    keep = offset >= 0
    customer, cohort, offset = customer[keep], cohort[keep], offset[keep]
    value = np.asarray(value, dtype=float)[keep]
    span = int(offset.max()) + 1
    base = int(cohort.min())
    cell = (cohort - base) * span + offset
    cells, cell_index = np.unique(cell, return_inverse=True)
    orders = np.bincount(cell_index, minlength=cells.size)
    revenue = np.bincount(cell_index, weights=value, minlength=cells.size)
    # Within a customer the cohort is fixed and the offset grows with time: the pairs are runs.
    first = first_in_runs(customer, cell)
    customers = np.bincount(cell_index[first], minlength=cells.size)
    return CohortCells(
        cohort_month=cells // span + base,
        month_offset=cells % span,
        customers=customers.astype(np.int64),
        orders=orders.astype(np.int64),
        revenue=revenue,
    )
