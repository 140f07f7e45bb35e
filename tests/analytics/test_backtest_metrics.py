"""AUC and precision among the flagged, checked against brute-force counting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from stammkunde.analytics.backtest_metrics import (
    RankedScores,
    flag_top_share,
    precision_among_flagged,
    roc_auc,
)


def brute_force_auc(scores, labels):
    wins = 0.0
    pairs = 0
    for (s_pos, l_pos), (s_neg, l_neg) in itertools.product(
        zip(scores, labels, strict=True), repeat=2
    ):
        if l_pos and not l_neg:
            pairs += 1
            wins += 1.0 if s_pos > s_neg else 0.5 if s_pos == s_neg else 0.0
    return wins / pairs


def test_auc_equals_the_share_of_correctly_ordered_pairs_with_ties_counting_half():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, 60).astype(float)  # many ties
    labels = rng.random(60) < 0.4

    assert roc_auc(scores, labels) == pytest.approx(brute_force_auc(scores, labels), abs=1e-12)


def test_auc_of_perfect_reversed_and_constant_scores():
    labels = [True, True, False, False]
    assert roc_auc([0.9, 0.8, 0.2, 0.1], labels) == 1.0
    assert roc_auc([0.1, 0.2, 0.8, 0.9], labels) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], labels) == 0.5


def test_auc_is_undefined_with_one_class_only():
    assert roc_auc([0.1, 0.2], [True, True]) is None
    assert roc_auc([], []) is None


def test_precision_among_flagged():
    assert precision_among_flagged(
        [True, True, False, True], [True, False, True, True]
    ) == pytest.approx(2 / 3)
    assert precision_among_flagged([False, False], [True, False]) is None


def test_mismatched_or_non_finite_input_is_rejected():
    with pytest.raises(ValueError):
        roc_auc([0.1, 0.2], [True])
    with pytest.raises(ValueError):
        roc_auc([np.nan, 0.2], [True, False])
    with pytest.raises(ValueError):
        precision_among_flagged([True], [True, False])


def test_flag_top_share_flags_the_highest_scores_and_their_ties():
    assert flag_top_share([0.1, 0.9, 0.5, 0.3], 2).tolist() == [False, True, True, False]
    # The second highest is tied with a third: a signal that cannot tell them apart flags both.
    assert flag_top_share([0.5, 0.9, 0.5, 0.3], 2).tolist() == [True, True, True, False]
    assert flag_top_share([0.5, 0.9], 0).tolist() == [False, False]


def test_weighted_auc_equals_the_auc_of_the_repeated_customers():
    scores = [0.2, 0.8, 0.5, 0.5, 0.1]
    labels = [False, True, True, False, False]
    weights = [2, 1, 3, 0, 1]
    repeated_scores = [0.2, 0.2, 0.8, 0.5, 0.5, 0.5, 0.1]
    repeated_labels = [False, False, True, True, True, True, False]
    ranked = RankedScores(scores, labels)
    got = ranked.auc([weights, [1, 1, 1, 1, 1]])
    assert got[0] == pytest.approx(brute_force_auc(repeated_scores, repeated_labels))
    assert got[1] == pytest.approx(brute_force_auc(scores, labels))
    # 2 positives (0.8, 0.5) x 3 negatives (0.2, 0.5, 0.1): 5.5 of 6 pairs in order.
    assert got[1] == pytest.approx(5.5 / 6)
    assert np.isnan(ranked.auc([[0, 1, 1, 0, 0]])[0])  # no negatives left
