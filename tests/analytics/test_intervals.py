"""The seed's reorder interval and churn alarm, by hand."""

import numpy as np

from stammkunde.analytics.intervals import (
    churn_alarm,
    grouped_reference,
    own_intervals,
    store_interval,
)


def test_own_interval_is_recency_over_repeat_purchases():
    own = own_intervals(np.array([0, 1, 4]), np.array([0, 30, 100]))

    assert np.isnan(own[0])
    assert own[1:].tolist() == [30.0, 25.0]


def test_store_interval_is_the_average_of_the_customers_intervals():
    assert store_interval(np.array([np.nan, 30.0, 25.0, 50.0])) == 35.0
    assert store_interval(np.array([np.nan, np.nan])) is None


def test_alarm_rings_when_the_time_since_the_last_order_exceeds_twice_the_interval():
    # Reference 41 days: 82 days is not yet more than twice, 83 is; 97 days is 56 overdue.
    alarm, overdue, after = churn_alarm(np.array([20, 82, 83, 97]), np.full(4, 41.0), factor=2.0)

    assert alarm.tolist() == [False, False, True, True]
    assert overdue.tolist() == [0, 41, 42, 56]
    assert after.tolist() == [83, 83, 83, 83]


def test_the_factor_is_configurable_and_unknown_references_never_alarm():
    alarm, overdue, after = churn_alarm(np.array([50, 50]), np.array([20.0, np.nan]), factor=3.0)

    assert alarm.tolist() == [False, False]
    assert overdue.tolist() == [30, -1]
    assert after.tolist() == [61, -1]


def test_reference_per_group_with_fallback_and_fixed_override():
    own = np.array([10.0, 20.0, np.nan, 100.0, np.nan])
    groups = np.array(["loyal", "loyal", "loyal", "lost", "new"], dtype=object)

    reference = grouped_reference(own, groups, fallback=42.0, overrides={"lost": 60})

    # loyal: mean of 10 and 20; lost: fixed 60; new: no repeat buyers -> store-wide 42.
    assert reference.tolist() == [15.0, 15.0, 15.0, 60.0, 42.0]
