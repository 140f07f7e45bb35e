"""Discounted customer lifetime value over the next months.

As in Fader, Hardie & Lee (2005), "RFM and CLV":

CLV = margin * E[order value] * sum over months i of
      (E[purchases up to month i] - E[purchases up to month i-1]) / (1 + monthly discount)^i,

with the transaction model's conditional expectations and the Gamma-Gamma conditional mean order
value: the same discrete monthly discounting as the lifetimes package.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .params import GammaGammaParams
from .predictions import TransactionParams, expected_order_value, expected_purchases
from .rows import FloatArray

DAYS_PER_MONTH = 365.25 / 12


def clv(
    model_params: TransactionParams,
    gg_params: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    months: int = 12,
    time_unit_days: float = 1.0,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
    days_per_month: float = DAYS_PER_MONTH,
) -> FloatArray:
    """Discounted value of each customer's expected orders in the next ``months`` months.

    ``time_unit_days`` is the length of the caller's time unit in days (1 for days, 7 for weeks);
    ``margin`` is the share of an order's value that is profit (1.0 = revenue).
    """
    if months < 1:
        raise ValueError("months must be at least 1.")
    if time_unit_days <= 0 or days_per_month <= 0:
        raise ValueError("time_unit_days and days_per_month must be positive.")
    if monthly_discount_rate <= -1 or not np.isfinite(monthly_discount_rate):
        raise ValueError("monthly_discount_rate must be greater than -1.")
    if not np.isfinite(margin):
        raise ValueError("margin must be a finite number.")
    value = expected_order_value(gg_params, frequency, monetary_value)
    month = days_per_month / time_unit_days
    total = np.zeros_like(value)
    previous = np.zeros_like(value)
    for index in range(1, months + 1):
        cumulative = expected_purchases(model_params, index * month, frequency, recency, T)
        total += (cumulative - previous) / (1.0 + monthly_discount_rate) ** index
        previous = cumulative
    return margin * value * total
