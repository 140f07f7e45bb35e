"""Model-independent entry points: each takes the fitted parameters first and dispatches by type."""

from __future__ import annotations

from numpy.typing import ArrayLike

from . import bgnbd, gammagamma, paretonbd
from .params import BGNBDParams, GammaGammaParams, ParetoNBDParams
from .rows import FloatArray

TransactionParams = BGNBDParams | ParetoNBDParams


def _model(params: TransactionParams):
    if isinstance(params, BGNBDParams):
        return bgnbd
    if isinstance(params, ParetoNBDParams):
        return paretonbd
    raise TypeError(f"expected BGNBDParams or ParetoNBDParams, got {type(params).__name__}")


def probability_alive(
    params: TransactionParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(the customer is still active at T | x, t_x, T)."""
    return _model(params).probability_alive(params, frequency, recency, T)


def expected_purchases(
    params: TransactionParams, t, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Expected number of purchases in the next t time units, given the history."""
    return _model(params).expected_purchases(params, t, frequency, recency, T)


def probability_no_purchase(
    params: TransactionParams, t, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(no purchase in (T, T+t] | x, t_x, T): dropped out, or alive but quiet for t."""
    return _model(params).probability_no_purchase(params, t, frequency, recency, T)


def expected_order_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Gamma-Gamma conditional mean order value (the population mean for one-time buyers)."""
    return gammagamma.expected_order_value(params, frequency, monetary_value)


def loglikelihood(
    params: TransactionParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer log-likelihood under the fitted model."""
    return _model(params).loglikelihood(params, frequency, recency, T)
