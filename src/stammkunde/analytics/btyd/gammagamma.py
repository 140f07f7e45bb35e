"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Fader & Hardie
2013, "The Gamma-Gamma model of monetary value").

Each of a customer's x repeat orders has value ~ Gamma(p, nu) with nu ~ Gamma(q, v) across
customers. With m_x the mean of the x repeat order values, the likelihood of (x, m_x) is

    Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q m_x^(px-1) x^(px) / (v + x m_x)^(px+q)

and the conditional expected order value is (p (v + x m_x)) / (p x + q - 1), a weighted mean of the
population mean p v / (q - 1) and the customer's own mean m_x. Only customers with x > 0 inform
the fit; the gradient below is exact.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from .optimize import minimize_log_params
from .params import FitError, GammaGammaParams
from .rows import FloatArray, as_float_array, check_weights, distinct_rows, weighted_sum


def _check(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value")
    try:
        x, m = np.broadcast_arrays(x, m)
    except ValueError as error:
        raise ValueError("frequency and monetary_value must have the same length.") from error
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be a whole number of repeat purchases, 0 or more.")
    if np.any((x > 0) & (m <= 0)):
        raise ValueError("monetary_value must be positive for customers with repeat purchases.")
    return x.copy(), m.copy()


def _negative_mean_loglik(theta, x, m, w, total) -> tuple[float, np.ndarray]:
    p, q, v = np.exp(theta)
    px = p * x
    log_spend = np.log(v + x * m)
    loglik = weighted_sum(
        w,
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_spend,
    )
    psi_all = digamma(px + q)
    grad_p = weighted_sum(w, x * (psi_all - digamma(px) + np.log(m) + np.log(x) - log_spend))
    grad_q = weighted_sum(w, psi_all - digamma(q) + np.log(v) - log_spend)
    grad_v = weighted_sum(w, q / v - (px + q) / (v + x * m))
    gradient = np.array([grad_p * p, grad_q * q, grad_v * v])
    return -loglik / total, -gradient / total


def fit(frequency: ArrayLike, monetary_value: ArrayLike, weights=None) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from the repeat buyers among the rows.

    ``monetary_value`` is each customer's mean repeat order value; rows with frequency 0 are
    ignored. Raises FitError when fewer than two repeat buyers exist or the fitted q <= 1 (the
    spend distribution would have no finite mean, so no expected order value).
    """
    x, m = _check(frequency, monetary_value)
    w = check_weights(weights, x.size)
    keep = (x > 0) & (w > 0)
    if np.count_nonzero(keep) < 2:
        raise FitError("Gamma-Gamma: fewer than two customers with repeat purchases.")
    rows = distinct_rows(x[keep], m[keep], weights=w[keep])
    ux, um = rows.columns
    counts = rows.counts
    total = counts.sum()
    if np.all(um == um[0]):
        raise FitError("Gamma-Gamma: every repeat buyer spends the same, so spread is unknown.")

    mean = float(np.average(um, weights=counts))
    start = np.log([1.0, 2.0, mean])
    bounds = [(-12.0, 10.0), (-12.0, 10.0), (start[2] - 25.0, start[2] + 25.0)]
    theta = minimize_log_params(
        lambda value: _negative_mean_loglik(value, ux, um, counts, total),
        start,
        bounds,
        model="Gamma-Gamma",
    )
    p, q, v = (float(item) for item in np.exp(theta))
    if q <= 1.0:
        raise FitError("Gamma-Gamma: fitted q <= 1, so the mean order value is not finite.")
    return GammaGammaParams(p=p, q=q, v=v)


def expected_order_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E[order value | x, m_x] = p (v + x m_x) / (p x + q - 1); the population mean when x = 0."""
    x, m = _check(frequency, monetary_value)
    p, q, v = params.p, params.q, params.v
    if q <= 1.0:
        raise ValueError("Gamma-Gamma parameters with q <= 1 have no finite expected value.")
    # x * m is 0 for one-time buyers whatever their recorded value.
    return p * (v + np.where(x > 0, x * m, 0.0)) / (p * x + q - 1.0)
