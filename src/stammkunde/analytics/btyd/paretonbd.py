"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) and dies at an
exponential time with rate mu ~ Gamma(s, beta). The likelihood follows Fader & Hardie (2005), "A
note on deriving the Pareto/NBD model and related expressions" (eqs. 18-20), with n = r + s + x:

    L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-(r+x) (beta+T)^-s + s/n * A0 ]

and A0 a difference of two Gauss hypergeometric terms whose arguments use the larger of alpha and
beta (alpha >= beta: 2F1(n, s+1; n+1; (alpha-beta)/(alpha+t)) / (alpha+t)^n for t = t_x, T; alpha <
beta: 2F1(n, r+x; n+1; (beta-alpha)/(beta+t)) / (beta+t)^n), exactly the note's two branches.

To stay in log space without the cancellation in A0, the first term is folded into the second
hypergeometric term by the contiguous relation (1-z)^-b - (b/n) 2F1(n, b+1; n+1; z) =
((n-b)/n) 2F1(n, b; n+1; z), which turns the bracket into a sum of two positive terms:

    alpha >= beta:  s/n F(n, s+1; z_tx) (alpha+t_x)^-n + (r+x)/n F(n, s; z_T) (alpha+T)^-n
    alpha <  beta:  s/n F(n, r+x; z_tx) (beta+t_x)^-n  + (r+x)/n F(n, r+x+1; z_T) (beta+T)^-n

Each log 2F1(n, b; n+1; z) is (1-b) log(1-z) + log 2F1(1, n+1-b; n+1; z) (Euler's transformation);
the last function has positive series terms and lies in [1, 1/(1-z)], so nothing overflows for
heavy buyers. The gradient is by central differences (no closed form needed at this data size).
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln, hyp2f1

from .optimize import central_gradient, minimize_log_params
from .params import FitError, ParameterBoundError, ParetoNBDParams
from .rows import FloatArray, check_rfm, check_weights, distinct_rows, weighted_sum


def log_hyp2f1_shifted(n, b, z) -> FloatArray:
    """log 2F1(n, b; n+1; z) for n > 0, 0 <= b, 0 <= z < 1, via Euler's transformation."""
    return (1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, n + 1.0 - b, n + 1.0, z))


def _loglik(params: tuple[float, float, float, float], x, t_x, age) -> FloatArray:
    r, alpha, s, beta = params
    n = r + s + x
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    if alpha >= beta:
        z_tx = (alpha - beta) / (alpha + t_x)
        z_T = (alpha - beta) / (alpha + age)
        first = log_hyp2f1_shifted(n, s + 1.0, z_tx) - n * np.log(alpha + t_x)
        second = log_hyp2f1_shifted(n, s, z_T) - n * np.log(alpha + age)
    else:
        z_tx = (beta - alpha) / (beta + t_x)
        z_T = (beta - alpha) / (beta + age)
        first = log_hyp2f1_shifted(n, r + x, z_tx) - n * np.log(beta + t_x)
        second = log_hyp2f1_shifted(n, r + x + 1.0, z_T) - n * np.log(beta + age)
    return head - np.log(n) + np.logaddexp(np.log(s) + first, np.log(r + x) + second)


def loglikelihood(params: ParetoNBDParams, frequency, recency, T) -> FloatArray:
    """Per-customer log-likelihood."""
    x, t_x, age = check_rfm(frequency, recency, T)
    return _loglik((params.r, params.alpha, params.s, params.beta), x, t_x, age)


def fit(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights=None) -> ParetoNBDParams:
    """Maximum-likelihood Pareto/NBD parameters.

    Raises ValueError for invalid input and FitError when the data cannot identify the model or
    the fit exceeds its budget (TIME_BUDGET_SECONDS, EVALUATION_BUDGET).
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    w = check_weights(weights, x.size)
    if w.sum() <= 0:
        raise FitError("Pareto/NBD: there are no customers to fit.")
    if not np.any((x > 0) & (w > 0)):
        raise FitError(
            "Pareto/NBD: no customer bought more than once, so repeat buying is unknown."
        )
    if not np.any((age > 0) & (w > 0)):
        raise FitError("Pareto/NBD: every customer was observed for zero time.")
    keep = w > 0
    rows = distinct_rows(x[keep], t_x[keep], age[keep], weights=w[keep])
    ux, ut, uT = rows.columns
    counts = rows.counts

    mean_age = max(float(np.average(age, weights=w)), 1e-12)
    rate = max(float(np.average(x, weights=w)) / mean_age, 1e-12)
    # Start: half a purchase-rate shape, dropout on the scale of the observation window.
    start = np.log([0.5, 0.5 / rate, 0.5, 0.5 * mean_age])
    bounds = [
        (-12.0, 8.0),
        (start[1] - 20.0, start[1] + 20.0),
        (-12.0, 8.0),
        (start[3] - 20.0, start[3] + 20.0),
    ]
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    subsample = None
    if counts.sum() > 4 * WARM_START_CUSTOMERS:
        rng = np.random.default_rng(19870101)  # fixed: the same data always gives the same fit
        thinned = rng.poisson(counts * WARM_START_CUSTOMERS / counts.sum()).astype(np.float64)
        if np.any((thinned > 0) & (ux > 0)):
            subsample = _objective(ux, ut, uT, thinned, deadline)
    theta = minimize_log_params(
        _objective(ux, ut, uT, counts, deadline),
        start,
        bounds,
        model="Pareto/NBD",
        subsample=subsample,
    )
    r, alpha, s, beta = (float(item) for item in np.exp(theta))
    ratio = alpha / beta
    if not 1 / MAX_SCALE_RATIO * (1 + 1e-4) < ratio < MAX_SCALE_RATIO * (1 - 1e-4):
        # The optimum sits on the alpha/beta edge of the search (see MAX_SCALE_RATIO).
        raise ParameterBoundError(
            f"Pareto/NBD: the fit ended on the edge alpha/beta = {ratio:.4g} of the search."
        )
    return ParetoNBDParams(r=r, alpha=alpha, s=s, beta=beta)


WARM_START_CUSTOMERS = 10_000
# The fit searches alpha/beta between 1/100 and 100: beyond that the 2F1 argument 1 - min/max of
# the two nears 1, where scipy's series costs milliseconds per customer, and a degenerate optimum
# (say nobody ever drops out: s -> 0, beta -> infinity) crawls along that edge for minutes. An
# optimum on that edge or on a parameter bound ends as a ParameterBoundError (a FitError), and
# the scoring job falls back to BG/NBD (stammkunde.analytics.scoring.predict).
MAX_SCALE_RATIO = 100.0
# Likelihood evaluations per fit (a gradient costs 8; CDNOW needs about 850) and seconds per fit:
# past either the fit gives up with a FitError instead of holding up the scoring job.
EVALUATION_BUDGET = 3000
TIME_BUDGET_SECONDS = 120.0


def _objective(x, t_x, age, counts, deadline: float):
    """Mean negative log-likelihood with a central-difference gradient over log-parameters."""
    keep = counts > 0
    x, t_x, age, counts = x[keep], t_x[keep], age[keep], counts[keep]
    total = counts.sum()
    evaluations = 0

    def value(theta: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        if evaluations > EVALUATION_BUDGET or time.monotonic() > deadline:
            raise FitError("Pareto/NBD: the fit did not converge within its time budget.")
        params = tuple(np.exp(theta))
        ratio = params[1] / params[3]
        if not 1 / MAX_SCALE_RATIO <= ratio <= MAX_SCALE_RATIO:
            return 1e300
        result = -weighted_sum(counts, _loglik(params, x, t_x, age)) / total
        return float(result) if np.isfinite(result) else 1e300

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return value(theta), central_gradient(value, theta)

    return objective


def _log_alive_numerator(params: ParetoNBDParams, x, age) -> FloatArray:
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    return (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + s * np.log(beta)
        - (r + x) * np.log(alpha + age)
        - s * np.log(beta + age)
    )


def probability_alive(params: ParetoNBDParams, frequency, recency, T) -> FloatArray:
    """P(alive | x, t_x, T): the 'still alive at T' part of the likelihood over the likelihood."""
    x, t_x, age = check_rfm(frequency, recency, T)
    log_p = _log_alive_numerator(params, x, age) - loglikelihood(params, x, t_x, age)
    return np.minimum(np.exp(log_p), 1.0)


def expected_purchases(params: ParetoNBDParams, t, frequency, recency, T) -> FloatArray:
    """E[purchases in (T, T+t] | x, t_x, T] (Fader & Hardie 2005 note, eq. 41).

    P(alive) * (r+x)(beta+T) / ((alpha+T)(s-1)) * [1 - ((beta+T)/(beta+T+t))^(s-1)], with the
    s -> 1 limit (r+x)/(alpha+T) * (beta+T) * log(1 + t/(beta+T)).
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("the horizon t must be a finite, non-negative time.")
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    log_ratio = np.log1p(t / (beta + age))
    growth = log_ratio if s == 1.0 else -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
    alive = probability_alive(params, x, t_x, age)
    return alive * (r + x) * (beta + age) / (alpha + age) * growth


def probability_no_purchase(params: ParetoNBDParams, t, frequency, recency, T) -> FloatArray:
    """P(no purchase in (T, T+t] | x, t_x, T) = L(x, t_x, T+t) / L(x, t_x, T).

    The likelihood of (x, t_x, T) is the probability of that history with no purchase after t_x
    until T, so observing one more quiet stretch of length t is the ratio of the two likelihoods.
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("the horizon t must be a finite, non-negative time.")
    x, t_x, age, t = np.broadcast_arrays(x, t_x, age, t)
    rows = distinct_rows(x, t_x, age, t)
    ux, ut, uT, uh = rows.columns
    values = (params.r, params.alpha, params.s, params.beta)
    log_ratio = _loglik(values, ux, ut, uT + uh) - _loglik(values, ux, ut, uT)
    return np.clip(np.exp(log_ratio), 0.0, 1.0)[rows.inverse]


__all__ = [
    "FitError",
    "expected_purchases",
    "fit",
    "loglikelihood",
    "probability_alive",
    "probability_no_purchase",
]
