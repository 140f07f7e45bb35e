"""Metrics for churn signals, pure numpy: how well a score ranks who really did not buy again."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata


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
