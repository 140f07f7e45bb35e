"""Metrics for churn signals, pure numpy: how well a score ranks who really did not buy again."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

FloatArray = NDArray[np.float64]


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """Area under the ROC curve: the probability that a random positive outscores a random negative.

    ``labels`` are true for positives (here: did not buy again). Ties count half (Mann-Whitney U
    with average ranks). None when one of the two classes is empty, since AUC is undefined then.
    """
    score = np.asarray(scores, dtype=np.float64)
    label = np.asarray(labels, dtype=bool)
    if score.shape != label.shape:
        raise ValueError("scores and labels must have the same length.")
    if not np.all(np.isfinite(score)):
        raise ValueError("scores must be finite numbers.")
    positives = int(label.sum())
    negatives = label.size - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(score)  # average ranks for ties
    u = ranks[label].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def precision_among_flagged(flags: ArrayLike, labels: ArrayLike) -> float | None:
    """Share of flagged customers that really are positives; None when nobody is flagged."""
    flag = np.asarray(flags, dtype=bool)
    label = np.asarray(labels, dtype=bool)
    if flag.shape != label.shape:
        raise ValueError("flags and labels must have the same length.")
    flagged = int(flag.sum())
    if flagged == 0:
        return None
    return float(np.count_nonzero(flag & label) / flagged)


def flag_top_share(scores: ArrayLike, count: int) -> NDArray[np.bool_]:
    """Flag the ``count`` highest scores, and every score tied with the lowest of them.

    Used to flag as many customers as really did not buy again (the base rate): a signal that
    cannot tell tied customers apart flags all of them rather than a lucky subset.
    """
    score = np.asarray(scores, dtype=np.float64)
    if count <= 0 or score.size == 0:
        return np.zeros(score.shape, dtype=bool)
    count = min(int(count), score.size)
    cutoff = np.sort(score)[::-1][count - 1]
    return score >= cutoff


class RankedScores:
    """One signal's scores sorted once, so the AUC under many bootstrap weightings is cheap.

    ``auc(weights)`` is the Mann-Whitney AUC of the sample in which customer i appears
    ``weights[i]`` times (ties count half), for a matrix of weightings (one per row) at once.
    """

    def __init__(self, scores: ArrayLike, labels: ArrayLike) -> None:
        score = np.asarray(scores, dtype=np.float64)
        label = np.asarray(labels, dtype=bool)
        if score.shape != label.shape:
            raise ValueError("scores and labels must have the same length.")
        if not np.all(np.isfinite(score)):
            raise ValueError("scores must be finite numbers.")
        self.order = np.argsort(score, kind="stable")
        ordered = score[self.order]
        self.label = label[self.order]
        self.group_starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])

    def auc(self, weights: ArrayLike) -> FloatArray:
        """AUC per row of ``weights`` (customers in their original order); NaN if undefined."""
        weight = np.atleast_2d(np.asarray(weights, dtype=np.float64))[:, self.order]
        if self.group_starts.size == 0:
            return np.full(weight.shape[0], np.nan)
        positive = np.add.reduceat(weight * self.label, self.group_starts, axis=1)
        negative = np.add.reduceat(weight * ~self.label, self.group_starts, axis=1)
        below = np.cumsum(negative, axis=1) - negative
        wins = (positive * (below + negative / 2)).sum(axis=1)
        pairs = positive.sum(axis=1) * negative.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(pairs > 0, wins / np.where(pairs > 0, pairs, 1.0), np.nan)
