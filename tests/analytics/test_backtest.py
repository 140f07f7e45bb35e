"""The churn backtest and the calibration/holdout check on the full CDNOW master file.

Calibration weeks 1-39 (up to 1997-09-30, day 272 since 1997-01-01), holdout weeks 40-78 (up to
1998-06-30, day 545); all 23,570 customers, 60% of them one-time buyers in calibration.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from django.utils import translation

from stammkunde.analytics.backtest import run_backtest
from stammkunde.analytics.backtest_calibration import calibration_check, summarize
from stammkunde.analytics.backtest_signals import (
    Difference,
    SignalResult,
    bootstrap_differences,
    churn_alarm_flags,
)
from stammkunde.analytics.backtest_verdict import pick_shown_signal
from stammkunde.analytics.btyd import BGNBDParams
from tests.fixtures.cdnow.load import CDNOW, master_purchases

CALIBRATION_END = (date(1997, 9, 30) - date(1997, 1, 1)).days  # 272
HOLDOUT_END = (date(1998, 6, 30) - date(1997, 1, 1)).days  # 545


@pytest.fixture(scope="module")
def cdnow_backtest():
    customer, day = master_purchases()
    with translation.override("en"):  # module scope: outside the autouse English override
        return run_backtest(customer, day, CALIBRATION_END, HOLDOUT_END)


def count_from_the_file():
    """Plain-Python reading of the master file: customers, one-time buyers, who of them returned."""
    days = defaultdict(set)
    with open(CDNOW / "CDNOW_master.txt") as handle:
        next(handle)
        for line in handle:
            customer, stamp = line.split()[:2]
            days[customer].add(date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])))
    end, holdout_end = date(1997, 9, 30), date(1998, 6, 30)
    one_time = returned = 0
    for purchase_days in days.values():
        calibration = [day for day in purchase_days if day <= end]
        if len(calibration) == 1:
            one_time += 1
            returned += any(end < day <= holdout_end for day in purchase_days)
    return len(days), one_time, returned


def test_signals_are_measured_like_for_like_on_cdnow(cdnow_backtest):
    """All signals on the same 23,570 customers; the repeaters are the 2+ purchase-day ones."""
    keys = [signal.key for signal in cdnow_backtest.signals]
    assert keys == [
        "days_since_last",
        "churn_alarm",
        "churn_risk",
        "bgnbd_p_alive",
        "paretonbd_p_alive",
    ]
    assert cdnow_backtest.repeaters == 23_570 - cdnow_backtest.one_time_buyers
    baseline = cdnow_backtest.signal("days_since_last")
    assert baseline.difference is None
    for signal in cdnow_backtest.signals[1:]:
        assert signal.difference.low <= signal.difference.estimate <= signal.difference.high
        assert signal.difference.estimate == pytest.approx(signal.auc - baseline.auc)
        assert signal.difference_repeaters.estimate == pytest.approx(
            signal.auc_repeaters - baseline.auc_repeaters
        )
    # BG/NBD calls every one-time buyer alive, so over all customers it ranks worse than chance.
    assert cdnow_backtest.signal("bgnbd_p_alive").auc < 0.5


def test_cdnow_verdict_trusts_the_days_since_the_last_order(cdnow_backtest):
    """Measured like for like, the model's risk does not beat the days since the last order
    over all customers: its 95% interval of the difference includes zero."""
    risk = cdnow_backtest.signal("churn_risk")
    assert risk.difference.low < 0 < risk.difference.high
    assert cdnow_backtest.shown_signal == "days_since_last"
    assert cdnow_backtest.verdict.startswith("Trust the days since the last order")
    assert "ordered more than once" in cdnow_backtest.verdict


def test_the_alarm_uses_the_products_rule(cdnow_backtest):
    """The alarm interval is the mean of the repeaters' own mean intervals (the scoring job's)."""
    customer, day = master_purchases()
    days = defaultdict(set)
    for who, when in zip(customer.tolist(), day.tolist(), strict=True):
        if when <= CALIBRATION_END:
            days[who].add(when)
    own = [(max(seen) - min(seen)) / (len(seen) - 1) for seen in days.values() if len(seen) > 1]
    assert cdnow_backtest.alarm_interval == pytest.approx(sum(own) / len(own))
    assert cdnow_backtest.signal("churn_alarm").threshold == "alarm"


def test_backtest_counts_match_an_independent_reading_of_the_file(cdnow_backtest):
    customers, one_time, returned = count_from_the_file()

    assert cdnow_backtest.customers == customers == 23_570
    assert cdnow_backtest.one_time_buyers == one_time
    assert cdnow_backtest.one_time_buyers / customers == pytest.approx(0.60, abs=0.01)
    assert cdnow_backtest.one_time_buyers_returned == returned
    assert returned / one_time == pytest.approx(0.14, abs=0.01)


def test_precision_and_flags_are_reported_for_every_signal(cdnow_backtest):
    not_returned = cdnow_backtest.customers - cdnow_backtest.customers_returned
    for signal in cdnow_backtest.signals:
        assert 0 < signal.flagged <= cdnow_backtest.customers
        assert 0 < signal.precision <= 1
        if signal.threshold == "base_rate":
            # As many as really did not order again, plus the ones tied with the last of them.
            assert signal.flagged >= not_returned
    assert cdnow_backtest.to_dict()["signals"][0]["key"] == "days_since_last"


def test_bgnbd_tracks_actual_holdout_purchases_per_frequency(cdnow_backtest):
    """FHL 2005 Figure 3: conditional expectations follow the actual holdout purchases."""
    check = cdnow_backtest.calibration
    labels = [bucket.label for bucket in check.buckets]
    assert labels == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(bucket.customers for bucket in check.buckets) == 23_570
    actual = [bucket.actual for bucket in check.buckets]
    predicted = [bucket.predicted for bucket in check.buckets]
    assert actual == sorted(actual) and predicted == sorted(predicted)
    for bucket in check.buckets:
        assert bucket.predicted == pytest.approx(bucket.actual, abs=0.4)
    assert 0.8 < check.total_ratio < 1.1
    assert check.mean_absolute_error < 0.2


def test_calibration_check_on_a_hand_made_example():
    params = BGNBDParams(r=1.0, alpha=10.0, a=0.5, b=2.0)
    x, t_x, age = np.array([0.0, 0, 1, 9]), np.array([0.0, 0, 5, 30]), np.array([30.0, 30, 30, 30])
    check = calibration_check(params, x, t_x, age, [0, 1, 2, 8], 30.0, top_bucket=2)

    assert [(bucket.label, bucket.customers) for bucket in check.buckets] == [
        ("0", 2),
        ("1", 1),
        ("2+", 1),
    ]
    assert check.buckets[0].actual == 0.5
    assert check.actual_total == 11
    assert check.total_ratio == pytest.approx(check.predicted_total / 11)


def test_summary_merges_same_day_purchases_and_skips_later_customers():
    customer = [7, 7, 7, 7, 3, 3, 9, 5]
    day = [0, 0, 10, 25, 5, 40, 35, 60]
    summary = summarize(customer, day, calibration_end=30, holdout_end=50)

    assert summary.customer.tolist() == [3, 7]  # 9 starts in the holdout, 5 after it
    assert summary.frequency.tolist() == [0.0, 2.0]
    assert summary.recency.tolist() == [0.0, 25.0]
    assert summary.T.tolist() == [25.0, 30.0]
    assert summary.holdout_purchases.tolist() == [1, 0]
    assert summary.holdout_length == 20


def test_alarm_compares_with_the_average_of_the_own_intervals():
    # Own intervals 20 / 2 = 10 and 30 / 1 = 30: the shop's average is 20, the alarm waits 40.
    flags, interval = churn_alarm_flags([2, 1, 0, 0], [20, 30, 0, 0], [60, 40, 50, 40], factor=2)
    assert interval == 20
    assert flags.tolist() == [False, False, True, False]  # 40, 10, 50 and 40 days since


def test_backtest_without_repeat_buyers_measures_the_days_since_the_last_order():
    result = run_backtest([1, 2, 3, 3], [0, 5, 2, 40], calibration_end=30, holdout_end=60)

    assert result.bgnbd is None and result.paretonbd is None
    assert [signal.key for signal in result.signals] == ["days_since_last"]
    assert result.shown_signal == "days_since_last"
    assert result.verdict


def _signal(key, low, high, *, repeaters=None):
    return SignalResult(
        key=key,
        label=key,
        auc=0.7,
        auc_repeaters=0.7,
        precision=0.5,
        flagged=1,
        threshold="base_rate",
        difference=Difference((low + high) / 2, low, high),
        difference_repeaters=repeaters,
    )


def test_a_model_is_shown_only_when_it_beats_the_days_since_beyond_its_interval():
    assert pick_shown_signal([_signal("churn_risk", -0.01, 0.02)]) == "days_since_last"
    assert pick_shown_signal([_signal("churn_risk", 0.01, 0.03)]) == "churn_risk"
    both = [_signal("churn_risk", 0.01, 0.03), _signal("paretonbd_p_alive", 0.02, 0.03)]
    assert pick_shown_signal(both) == "paretonbd_p_alive"
    # The alarm is the days since the last order cut at one point: never shown as a figure.
    assert pick_shown_signal([_signal("churn_alarm", 0.01, 0.03)]) == "days_since_last"


def test_bootstrap_of_a_signal_against_itself_and_against_its_reverse():
    gone = np.array([True, False, True, False, True, False, True, True])
    days = np.array([9.0, 1, 7, 2, 8, 3, 6, 5])  # every gone customer waited longer: AUC 1
    result = bootstrap_differences(
        {"days_since_last": days, "same": days.copy(), "reverse": -days},
        gone,
        baseline="days_since_last",
        samples=200,
    )
    assert result["same"] == Difference(0.0, 0.0, 0.0)
    # AUC 0 against AUC 1 in every sample that has both classes.
    assert result["reverse"] == Difference(-1.0, -1.0, -1.0)


def test_bootstrap_on_the_repeaters_only():
    gone = np.array([True, False, True, False])
    days = np.array([1.0, 2, 3, 4])
    other = np.array([4.0, 1, 3, 2])
    repeaters = np.array([False, False, True, True])
    # Among the repeaters (customers 3 and 4) the baseline ranks wrong (AUC 0), the other right.
    result = bootstrap_differences(
        {"days_since_last": days, "other": other},
        gone,
        baseline="days_since_last",
        population=repeaters,
        samples=200,
    )
    assert result["other"].estimate == 1.0
    assert result["other"].low == result["other"].high == 1.0


def test_backtest_rejects_a_holdout_before_the_calibration_end():
    with pytest.raises(ValueError, match="holdout must end after"):
        run_backtest([1], [0], calibration_end=30, holdout_end=10)
