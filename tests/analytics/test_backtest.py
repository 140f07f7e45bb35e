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

from stammkunde.analytics.backtest import calibration_check, overdue_ratio, run_backtest, summarize
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


def test_shown_risk_beats_the_seed_rule_and_bgnbd_p_alive(cdnow_backtest):
    risk = cdnow_backtest.signal("churn_risk")
    seed = cdnow_backtest.signal("seed_rule")
    alive = cdnow_backtest.signal("bgnbd_p_alive")

    assert risk.auc > seed.auc
    assert risk.auc > alive.auc
    assert cdnow_backtest.best_signal == "churn_risk"
    assert "shown churn risk" in cdnow_backtest.verdict
    # BG/NBD calls every one-time buyer alive, so its ranking is worse than chance here.
    assert alive.auc < 0.5
    assert 0.7 < risk.auc < 0.9


def test_backtest_counts_match_an_independent_reading_of_the_file(cdnow_backtest):
    customers, one_time, returned = count_from_the_file()

    assert cdnow_backtest.customers == customers == 23_570
    assert cdnow_backtest.one_time_buyers == one_time
    assert cdnow_backtest.one_time_buyers / customers == pytest.approx(0.60, abs=0.01)
    assert cdnow_backtest.one_time_buyers_returned == returned
    assert returned / one_time == pytest.approx(0.14, abs=0.01)


def test_precision_and_flags_are_reported_for_every_signal(cdnow_backtest):
    keys = [signal.key for signal in cdnow_backtest.signals]
    assert keys == ["churn_risk", "seed_rule", "bgnbd_p_alive", "paretonbd_p_alive"]
    for signal in cdnow_backtest.signals:
        assert 0 < signal.flagged <= cdnow_backtest.customers
        assert 0 < signal.precision <= 1
    assert cdnow_backtest.to_dict()["signals"][0]["key"] == "churn_risk"


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


def test_seed_rule_uses_the_store_interval_for_one_time_buyers():
    # Repeat buyers: intervals 10 (x=2, t_x=20) and 30 (x=1, t_x=30): pooled 50 / 3.
    ratio = overdue_ratio([2, 1, 0], [20, 30, 0], [60, 40, 50])
    np.testing.assert_allclose(ratio, [40 / 10, 10 / 30, 50 / (50 / 3)])


def test_backtest_without_repeat_buyers_falls_back_to_the_rule():
    result = run_backtest([1, 2, 3, 3], [0, 5, 2, 40], calibration_end=30, holdout_end=60)

    assert result.bgnbd is None and result.paretonbd is None
    assert [signal.key for signal in result.signals] == ["seed_rule"]
    assert result.verdict


def test_backtest_rejects_a_holdout_before_the_calibration_end():
    with pytest.raises(ValueError, match="holdout must end after"):
        run_backtest([1], [0], calibration_end=30, holdout_end=10)
