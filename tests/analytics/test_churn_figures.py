"""The dashboard's plain churn figures, from constructed customers with answers counted by hand."""

from __future__ import annotations

import numpy as np

from stammkunde.analytics.aggregating import churn_rate, customers_at_risk


def test_churn_rate_counts_who_had_ordered_by_then_and_not_since():
    # Customer ages (days since the first order) and days since the last order.
    age = np.array([100, 100, 50, 120, 90])
    since = np.array([95, 10, 50, 90, 89])
    # Ordered by 90 days ago: the 1st, 2nd, 4th and 5th (the 3rd is only 50 days a customer).
    # Not ordered in the last 90 days: the 1st (95) and the 4th (90); the 5th ordered 89 days ago.
    assert churn_rate(age, since, days=90) == {
        "days": 90,
        "customers": 4,
        "lapsed": 2,
        "rate": 0.5,
    }


def test_churn_rate_of_a_shop_younger_than_the_window_is_unknown():
    assert churn_rate(np.array([10, 20]), np.array([5, 20]), days=90)["rate"] is None


def test_customers_at_risk_are_those_with_the_alarm():
    values = {
        "churn_alarm": np.array([True, False, True, True]),
        "total_revenue": np.array([100.0, 999.0, 50.5, 20.0]),
        "clv_12m": np.array([30.0, 500.0, np.nan, 12.5]),
    }
    assert customers_at_risk(values) == {"customers": 3, "revenue": 170.5, "clv": 42.5}
    values["clv_12m"] = np.full(4, np.nan)  # no model figures: no predicted value, not zero
    assert customers_at_risk(values)["clv"] is None
