"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
repeat purchase they drop out with probability p ~ Beta(a, b). For a customer with x repeat
purchases, the last at t_x, observed until T, the likelihood is (FHL 2005, eq. 6)

    L = A1 * A2 * [(alpha + T)^-(r+x) + [x > 0] * a / (b + x - 1) * (alpha + t_x)^-(r+x)]
    A1 = Gamma(r + x) alpha^r / Gamma(r),    A2 = B(a, b + x) / B(a, b)

evaluated in log space (gammaln, logaddexp) with the exact gradient below. Terms that depend on x
only are summed once per distinct x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, hyp2f1, log_expit

from .optimize import minimize_log_params
from .params import BGNBDParams, FitError
from .rows import (
    FloatArray,
    check_rfm,
    check_weights,
    distinct_rows,
    log_shifted,
    weighted_sum,
)


@dataclass(frozen=True)
class _Data:
    """Distinct rows split into one-time buyers (x = 0) and repeat buyers, with weights."""

    total: float
    x_values: FloatArray  # distinct frequencies and their summed weights
    x_weights: FloatArray
    zero_T: FloatArray  # x = 0 rows: only T matters
    zero_w: FloatArray
    x: FloatArray  # x > 0 rows
    t_x: FloatArray
    T: FloatArray
    w: FloatArray
    x_positive: FloatArray  # distinct x > 0 and each repeat row's index into them
    x_code: np.ndarray


def _prepare(x: FloatArray, t_x: FloatArray, age: FloatArray, w: FloatArray) -> _Data:
    keep = w > 0
    x, t_x, age, w = x[keep], t_x[keep], age[keep], w[keep]
    rows = distinct_rows(x, t_x, age, weights=w)
    ux, ut, uT = rows.columns
    counts = rows.counts
    x_values, x_index = np.unique(ux, return_inverse=True)
    x_weights = np.bincount(x_index, weights=counts, minlength=x_values.size)
    zero = ux == 0
    x_positive, x_code = np.unique(ux[~zero], return_inverse=True)
    return _Data(
        total=float(counts.sum()),
        x_values=x_values,
        x_weights=x_weights,
        zero_T=uT[zero],
        zero_w=counts[zero],
        x=ux[~zero],
        t_x=ut[~zero],
        T=uT[~zero],
        w=counts[~zero],
        x_positive=x_positive,
        x_code=x_code,
    )


def _negative_mean_loglik(theta: np.ndarray, data: _Data) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its exact gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    total, xv, xw = data.total, data.x_values, data.x_weights
    dot = weighted_sum

    # Terms that depend on x only (A1, A2), summed once per distinct x.
    loglik = dot(xw, gammaln(r + xv) + gammaln(b + xv) - gammaln(a + b + xv)) + total * (
        r * np.log(alpha) - gammaln(r) + gammaln(a + b) - gammaln(b)
    )
    psi_ab_x = digamma(a + b + xv)
    grad_r = dot(xw, digamma(r + xv)) + total * (np.log(alpha) - digamma(r))
    grad_alpha = total * r / alpha
    grad_a = total * digamma(a + b) - dot(xw, psi_ab_x)
    grad_b = total * (digamma(a + b) - digamma(b)) + dot(xw, digamma(b + xv) - psi_ab_x)

    # One-time buyers: log (alpha + T)^-r.
    log_zero = np.log(alpha + data.zero_T)
    loglik -= r * dot(data.zero_w, log_zero)
    grad_r -= dot(data.zero_w, log_zero)
    grad_alpha -= r * dot(data.zero_w, 1.0 / (alpha + data.zero_T))

    # Repeat buyers: logaddexp of the "still alive" (A3) and "dropped after t_x" (A4) terms,
    # written as A3 * (1 + exp(u)) with u = log(A4 / A3); one exp serves the value and the share.
    w, rx = data.w, r + data.x
    log_T = np.log(alpha + data.T)
    log_tx = np.log(alpha + data.t_x)
    inverse_b_x = (1.0 / (b + data.x_positive - 1))[data.x_code]
    log_b_x = np.log(b + data.x_positive - 1)[data.x_code]
    u = np.log(a) - log_b_x + rx * (log_T - log_tx)
    small = np.exp(-np.abs(u))
    softplus = np.maximum(u, 0.0) + np.log1p(small)
    share = np.where(u >= 0, 1.0, small) / (1.0 + small)  # A4 / (A3 + A4)
    loglik += dot(w, softplus - rx * log_T)
    grad_r -= dot(w, log_T + share * (log_tx - log_T))
    inverse_T = 1.0 / (alpha + data.T)
    grad_alpha -= dot(w * rx, inverse_T + share * (1.0 / (alpha + data.t_x) - inverse_T))
    w_share = w * share
    grad_a += w_share.sum() / a
    grad_b -= dot(w_share, inverse_b_x)

    gradient = np.array([grad_r * r, grad_alpha * alpha, grad_a * a, grad_b * b])
    return -loglik / total, -gradient / total


def loglikelihood(params: BGNBDParams, frequency, recency, T) -> FloatArray:
    """Per-customer log-likelihood (used by tests and the backtest)."""
    x, t_x, age = check_rfm(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    base = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
        - (r + x) * np.log(alpha + age)
    )
    return base + np.where(x > 0, np.logaddexp(0.0, _log_dropout_odds(params, x, t_x, age)), 0.0)


def fit(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights=None) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters (see the module docstring).

    Raises ValueError for invalid input and FitError when the data cannot identify the model.
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    w = check_weights(weights, x.size)
    if w.sum() <= 0:
        raise FitError("BG/NBD: there are no customers to fit.")
    if not np.any((x > 0) & (w > 0)):
        raise FitError("BG/NBD: no customer bought more than once, so repeat buying is unknown.")
    if not np.any((age > 0) & (w > 0)):
        raise FitError("BG/NBD: every customer was observed for zero time.")
    data = _prepare(x, t_x, age, w)

    # Start: one purchase per mean observed time per customer-level rate, moderate dropout.
    rate = max(float(np.average(x, weights=w) / max(np.average(age, weights=w), 1e-12)), 1e-12)
    start = np.log([0.5, 0.5 / rate, 1.0, 3.0])
    bounds = [(-12.0, 8.0), (start[1] - 20.0, start[1] + 20.0), (-12.0, 8.0), (-12.0, 10.0)]
    theta = minimize_log_params(
        lambda value: _negative_mean_loglik(value, data),
        start,
        bounds,
        model="BG/NBD",
        subsample=_subsample_objective(data),
    )
    r, alpha, a, b = (float(value) for value in np.exp(theta))
    return BGNBDParams(r=r, alpha=alpha, a=a, b=b)


WARM_START_CUSTOMERS = 50_000


def _subsample_objective(data: _Data):
    """The objective on a fixed random ~50,000-customer subsample, or None for small data."""
    if data.total < 4 * WARM_START_CUSTOMERS:
        return None
    rng = np.random.default_rng(20050401)  # fixed: the same data always gives the same fit
    fraction = WARM_START_CUSTOMERS / data.total
    x = np.concatenate([np.zeros(data.zero_T.size), data.x])
    t_x = np.concatenate([np.zeros(data.zero_T.size), data.t_x])
    age = np.concatenate([data.zero_T, data.T])
    # Poisson thinning of the row counts draws a random subsample of customers.
    counts = rng.poisson(np.concatenate([data.zero_w, data.w]) * fraction).astype(np.float64)
    if not np.any((counts > 0) & (x > 0)):
        return None
    sample = _prepare(x, t_x, age, counts)
    return lambda theta: _negative_mean_loglik(theta, sample)


def _log_dropout_odds(params: BGNBDParams, x, t_x, age) -> FloatArray:
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): odds of having dropped out (x > 0)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    # b + x - 1 > 0 for x >= 1; the x = 0 rows get a placeholder the callers mask out.
    log_b_x = log_shifted(np.maximum(x, 1.0), b - 1)
    return np.log(a) - log_b_x + (r + x) * (log_shifted(age, alpha) - log_shifted(t_x, alpha))


def probability_alive(params: BGNBDParams, frequency, recency, T) -> FloatArray:
    """P(alive | x, t_x, T) (FHL 2005 eq. 11 in its stable logistic form); 1 when x = 0."""
    x, t_x, age = check_rfm(frequency, recency, T)
    return np.where(x > 0, expit(-_log_dropout_odds(params, x, t_x, age)), 1.0)


def probability_no_purchase(params: BGNBDParams, t, frequency, recency, T) -> FloatArray:
    """P(no purchase in (T, T+t] | x, t_x, T).

    = 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x).

    It is the likelihood with the observation extended to T + t over the likelihood up to T.
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("the horizon t must be a finite, non-negative time.")
    odds = np.where(x > 0, _log_dropout_odds(params, x, t_x, age), -np.inf)
    log_quiet = -(params.r + x) * np.log1p(t / (params.alpha + age))
    # (1 - P_alive) + P_alive * quiet, with P_alive = expit(-odds); log_expit avoids 1 - (1 - tiny).
    return np.exp(np.logaddexp(log_expit(odds), log_expit(-odds) + log_quiet))


def _expected_alive_purchases(a, b, r, x, z) -> FloatArray:
    """(a+b+x-1)/(a-1) * [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)].

    FHL 2005 eq. 10 after Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A,C-B;C;z):
    ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; ...),
    which stays finite for any x (the untransformed 2F1 overflows for heavy buyers).
    """
    c = a + b + x - 1
    bracket = -np.expm1((a - 1) * np.log1p(-z)) - (1 - z) ** (a - 1) * (
        hyp2f1(a + b - 1 - r, a - 1, c, z) - 1
    )
    return c / (a - 1) * bracket


# Gauss-Legendre nodes for the quadrature fallback; the posterior of p is smooth and unimodal.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(128)


def _expected_alive_purchases_by_quadrature(a, b, r, alpha, x, age, t) -> FloatArray:
    """The same expectation by integrating over the dropout probability p ~ Beta(a, b + x).

    Given alive, lambda ~ Gamma(r + x, alpha + T) and p, E[X(t)] = (1 - e^(-lambda p t)) / p,
    so E = E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p]. Used where the closed form's
    hypergeometric function loses all precision (large a and b, as fits on young shops give).
    """
    from scipy.stats import beta as beta_distribution

    distribution = beta_distribution(a, b + x[:, None])
    low = distribution.ppf(1e-12)
    high = distribution.ppf(1 - 1e-12)
    half = (high - low) / 2
    p = low + half * (_NODES[None, :] + 1)
    log_density = distribution.logpdf(p)
    weights = _WEIGHTS[None, :] * np.exp(log_density - log_density.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    log_quiet = -(r + x[:, None]) * np.log1p(p * t[:, None] / (alpha + age[:, None]))
    return np.sum(weights * (-np.expm1(log_quiet) / p), axis=1)


def expected_purchases(params: BGNBDParams, t, frequency, recency, T) -> FloatArray:
    """E[purchases in (T, T+t] | x, t_x, T] (FHL 2005 eq. 10), vectorized and finite."""
    x, t_x, age = check_rfm(frequency, recency, T)
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("the horizon t must be a finite, non-negative time.")
    x, t_x, age, t = np.broadcast_arrays(x, t_x, age, t)
    alive = probability_alive(params, x, t_x, age)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    # The hypergeometric part depends on (x, T, t) only: evaluate it once per distinct triple.
    rows = distinct_rows(x, age, t)
    ux, uT, ut = rows.columns
    z = ut / (alpha + uT + ut)
    gap = 1e-4
    if abs(a - 1) < gap or abs(a + b - 1) < gap:
        # Removable singularities of the closed form: average the two sides (error ~ gap^2).
        per_row = 0.5 * (
            _expected_alive_purchases(a + gap, b, r, ux, z)
            + _expected_alive_purchases(a - gap, b, r, ux, z)
        )
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            per_row = _expected_alive_purchases(a, b, r, ux, z)
    lost = ~np.isfinite(per_row) | (per_row < 0)
    if lost.any():
        per_row[lost] = _expected_alive_purchases_by_quadrature(
            a, b, r, alpha, ux[lost], uT[lost], ut[lost]
        )
    return alive * per_row[rows.inverse]
