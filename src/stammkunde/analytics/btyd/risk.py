"""The churn risk Stammkunde shows: the model's probability of no purchase in the next horizon.

    churn_risk = P(no purchase in (T, T + horizon] | x, t_x, T)
               = P(dropped out) + P(alive) * P(no purchase in the horizon | alive)

Why this and not the alternatives:

- BG/NBD P(alive) cannot tell one-time buyers apart: a customer drops out only right after a
  repeat purchase, so P(alive) = 1 for everyone with x = 0, the largest and least loyal group
  (60% of CDNOW; only about 14% of them buy again). On the CDNOW backtest (weeks 1-39 vs 40-78,
  all 23,570 customers) 1 - P(alive) has an AUC of 0.32 for "does not buy again", worse than a
  coin.
- The seed's rule (time since the last order > 2x the customer's mean reorder interval, the
  store-wide interval for one-time buyers) ignores how much evidence a short history carries; as a
  continuous score (time since last order / reference interval) its AUC is 0.71 on CDNOW.
- P(no purchase in the horizon) combines both ways of not buying: having dropped out and being a
  slow buyer. For one-time buyers it grows with the time since their only order, for regulars it
  grows when they are overdue relative to their own rate. On CDNOW its AUC is 0.76 with a 90-day
  horizon (0.75 with the full 273-day holdout as horizon), and it is a probability a shop owner can
  read: "72% chance of no order in the next 90 days".

It works with either fitted model (BG/NBD or Pareto/NBD) and stays in [0, 1] for any input
(it is computed from log-likelihood terms, never as 1 - (1 - tiny)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .predictions import TransactionParams, probability_no_purchase
from .rows import FloatArray

DEFAULT_HORIZON_DAYS = 90.0


def churn_risk(
    params: TransactionParams, horizon, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(no purchase in the next ``horizon`` time units) per customer, in [0, 1]."""
    return np.clip(probability_no_purchase(params, horizon, frequency, recency, T), 0.0, 1.0)
