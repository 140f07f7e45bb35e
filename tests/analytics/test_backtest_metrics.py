"""AUC and precision among the flagged, checked against brute-force counting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from stammkunde.analytics.backtest_metrics import precision_among_flagged, roc_auc


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
