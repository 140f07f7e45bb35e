"""Monthly acquisition cohorts by hand."""

from datetime import date

import numpy as np

from stammkunde.analytics.cohorts import cohort_cells, month_numbers

EPOCH = date(1970, 1, 1)


def day(text: str) -> int:
    return (date.fromisoformat(text) - EPOCH).days


def test_cohort_cells_count_active_customers_orders_and_revenue_per_month_offset():
    # c1: first in January; buys Jan, twice in Feb, Apr. c2: January only. c3: first in Feb,
    # buys Feb and Mar.
    rows = [
        (1, "2024-01-05", 10.0),
        (1, "2024-02-02", 20.0),
        (1, "2024-02-20", 5.0),
        (1, "2024-04-11", 7.0),
        (2, "2024-01-30", 30.0),
        (3, "2024-02-14", 40.0),
        (3, "2024-03-01", 50.0),
    ]
    customer = np.array([row[0] for row in rows])
    days = np.array([day(row[1]) for row in rows])
    value = np.array([row[2] for row in rows])
    first = {1: day("2024-01-05"), 2: day("2024-01-30"), 3: day("2024-02-14")}

    cells = cohort_cells(customer, days, value, np.array([first[c] for c in customer]))

    january, february = month_numbers(np.array([day("2024-01-01"), day("2024-02-01")]))
    got = {
        (int(m), int(k)): (int(c), int(o), float(r))
        for m, k, c, o, r in zip(
            cells.cohort_month,
            cells.month_offset,
            cells.customers,
            cells.orders,
            cells.revenue,
            strict=True,
        )
    }
    assert got == {
        (january, 0): (2, 2, 40.0),
        (january, 1): (1, 2, 25.0),
        (january, 3): (1, 1, 7.0),
        (february, 0): (1, 1, 40.0),
        (february, 1): (1, 1, 50.0),
    }


def test_no_orders_no_cells():
    cells = cohort_cells(np.array([]), np.array([]), np.array([]), np.array([]))

    assert cells.cohort_month.size == 0
