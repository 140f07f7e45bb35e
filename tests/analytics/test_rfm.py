"""Per-customer summaries, RFM quintile scores and the segment grid, checked by hand."""

import numpy as np

from stammkunde.analytics.rfm import (
    SEGMENT_CODES,
    first_in_runs,
    quintile_scores,
    rfm_scores,
    segments,
    summarize,
)


def test_summary_counts_purchase_days_and_the_repeat_value_by_hand():
    # Customer 7: orders on days 10, 10 (same day: one purchase), 20 and 40; as of day 50.
    # Customer 3: one order on day 45. Entries arrive unsorted.
    customer = np.array([7, 3, 7, 7, 7])
    day = np.array([40, 45, 10, 20, 10])
    value = np.array([30.0, 12.5, 10.0, 20.0, 5.0])

    summary = summarize(customer, day, value, as_of_day=50)

    assert summary.customer.tolist() == [3, 7]
    assert summary.orders.tolist() == [1, 4]
    assert summary.frequency.tolist() == [0, 2]  # purchase days 10, 20, 40: two repeats
    assert summary.recency.tolist() == [0, 30]
    assert summary.age.tolist() == [5, 40]
    assert summary.days_since_last.tolist() == [5, 10]
    assert summary.revenue.tolist() == [12.5, 65.0]
    # Repeat purchase days are day 20 (20.0) and day 40 (30.0): mean 25.0.
    assert summary.repeat_value.tolist() == [0.0, 25.0]


def test_summary_of_no_orders_is_empty():
    summary = summarize(np.array([]), np.array([]), np.array([]), as_of_day=10)

    assert len(summary) == 0


def test_quintiles_put_ties_in_the_lower_quintile():
    # Six single-order customers out of ten share F = 1; the others climb by share below them.
    orders = np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 9])

    scores = quintile_scores(orders)

    # Share with a strictly smaller value: 0 -> 1; 0.6 -> 4; 0.8 -> 5; 0.9 -> 5.
    assert scores.tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_recency_scores_favour_the_fewest_days_since_the_last_order():
    days = np.array([1, 10, 100, 1000, 5])

    r, f, m = rfm_scores(days, np.ones(5), np.arange(5.0))

    # Customers with more days since the last order, as a share: 4/5, 2/5, 1/5, 0, 3/5.
    assert r.tolist() == [5, 3, 2, 1, 4]
    assert f.tolist() == [1, 1, 1, 1, 1]
    assert m.tolist() == [1, 2, 3, 4, 5]


def test_when_everyone_ordered_on_the_same_day_nobody_is_lost():
    days = np.full(7, 30)

    r, f, _m = rfm_scores(days, np.ones(7), np.full(7, 20.0))

    # Middle rank of seven tied customers: share 3/7 -> quintile 3 for everyone.
    assert r.tolist() == [3] * 7
    assert "lost" not in segments(r, f).tolist()


def test_recency_ties_share_their_middle_quintile():
    # Eight customers ordered yesterday, two a year ago: the eight are not the worst fifth.
    days = np.array([1, 1, 1, 1, 1, 1, 1, 1, 365, 365])

    r, _f, _m = rfm_scores(days, np.ones(10), np.ones(10))

    # Yesterday: 2 worse + 7/2 of the other tied = 5.5 of 10 -> 3; a year ago: 0 + 0.5 -> 1.
    assert r.tolist() == [3] * 8 + [1, 1]


def test_segment_grid_names_the_corners_and_covers_every_score():
    assert segments(np.array([5, 5, 1, 1, 3]), np.array([1, 5, 1, 5, 3])).tolist() == [
        "new",
        "champions",
        "lost",
        "cant_lose",
        "need_attention",
    ]
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6))
    assert set(segments(r.ravel(), f.ravel())) == set(SEGMENT_CODES)


def test_first_in_runs_agrees_with_unique_on_sorted_and_unsorted_input():
    rng = np.random.default_rng(3)
    customer = np.sort(rng.integers(0, 50, 500))
    key = rng.integers(0, 8, 500)
    order = np.lexsort((key, customer))
    customer, key = customer[order], key[order]
    expected = np.unique(np.column_stack([customer, key]), axis=0).shape[0]

    assert first_in_runs(customer, key).size == expected
    shuffled = rng.permutation(500)
    firsts = first_in_runs(customer[shuffled], key[shuffled])
    assert firsts.size == expected
    assert len({(customer[shuffled][i], key[shuffled][i]) for i in firsts}) == expected
