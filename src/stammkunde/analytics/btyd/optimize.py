"""Maximum likelihood on the log scale: quasi-Newton, then Newton steps to converge tightly.

Every model minimizes its mean negative log-likelihood over log-parameters. BFGS (L-BFGS-B as the
fallback) gets close quickly; its stopping rule still leaves the parameters of weakly identified
models (Gamma-Gamma, Pareto/NBD) a few 1e-5 off, so Newton steps on a finite-difference Hessian
of the gradient finish the job to ~1e-9 (they only run while they improve the objective).

On large data the fit first runs on a random subsample of customers (a warm start), then takes
Newton steps on the full data with the subsample's Hessian: the mean log-likelihood's curvature is
nearly the same on a large random subsample, so each step needs one full evaluation and the error
shrinks by the relative Hessian error (a few per cent) per step. If that does not converge the fit
falls back to the quasi-Newton fit on the full data from the best point found.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from .params import FitError, ParameterBoundError

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


def central_gradient(function: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Central differences for the models without a hand-derived gradient (Pareto/NBD)."""
    step = 1e-6
    gradient = np.empty_like(theta)
    for index in range(theta.size):
        shift = np.zeros_like(theta)
        shift[index] = step
        gradient[index] = (function(theta + shift) - function(theta - shift)) / (2 * step)
    return gradient


def _hessian(objective: Objective, theta: np.ndarray) -> np.ndarray:
    step = 1e-5
    size = theta.size
    hessian = np.empty((size, size))
    for index in range(size):
        shift = np.zeros(size)
        shift[index] = step
        hessian[:, index] = (objective(theta + shift)[1] - objective(theta - shift)[1]) / (2 * step)
    return (hessian + hessian.T) / 2


def _guard(objective: Objective) -> Objective:
    def guarded(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(theta)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            # Tell the line search this point is unusable instead of handing it NaN.
            return 1e300, np.zeros_like(theta)
        return value, gradient

    return guarded


def _quasi_newton(objective: Objective, start: np.ndarray, bounds) -> np.ndarray:
    """BFGS in log space; L-BFGS-B when BFGS leaves the bounds or stalls.

    BFGS first because scipy's L-BFGS-B calls into a multi-threaded BLAS on every iteration, which
    costs milliseconds per call on a busy host (the likelihood evaluations cost less).
    """
    lower = np.array([low for low, _ in bounds])
    upper = np.array([high for _, high in bounds])

    def bounded(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if np.any(theta < lower) or np.any(theta > upper):
            return 1e300, np.zeros_like(theta)
        return objective(theta)

    with np.errstate(all="ignore"):
        result = minimize(bounded, start, jac=True, method="BFGS", options={"gtol": 1e-10})
    theta = result.x
    if np.all(np.isfinite(theta)) and np.all((theta > lower) & (theta < upper)):
        value, gradient = objective(theta)
        if value < 1e300 and np.max(np.abs(gradient)) < 1e-7:
            return theta
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20},
    )
    return np.clip(result.x, lower, upper)


NOISE_FLOOR = 1e-7


def _newton(
    objective: Objective,
    theta: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    steps: int,
    hessian: np.ndarray | None = None,
    tolerance: float = 1e-12,
) -> tuple[np.ndarray, float, np.ndarray, bool]:
    """Newton steps (fresh or given Hessian) while they lower the objective; True if converged."""
    value, gradient = objective(theta)
    for _ in range(steps):
        if np.max(np.abs(gradient)) < tolerance:
            return theta, value, gradient, True
        matrix = _hessian(objective, theta) if hessian is None else hessian
        try:
            if np.any(np.linalg.eigvalsh(matrix) <= 0):
                break
            step = -np.linalg.solve(matrix, gradient)
        except np.linalg.LinAlgError:
            break
        candidate = np.clip(theta + step, lower, upper)
        if not np.all(np.isfinite(candidate)):
            break
        new_value, new_gradient = objective(candidate)
        if new_value > value + 1e-15 * max(1.0, abs(value)):
            # No further decrease with a tiny gradient: the objective's rounding (or a
            # finite-difference gradient's noise) is reached, parameters are within ~1e-6.
            return theta, value, gradient, bool(np.max(np.abs(gradient)) < NOISE_FLOOR)
        theta, value, gradient = candidate, new_value, new_gradient
        if np.max(np.abs(step)) < 1e-11:
            return theta, value, gradient, True
    return theta, value, gradient, bool(np.max(np.abs(gradient)) < tolerance)


def minimize_log_params(
    objective: Objective,
    start: np.ndarray,
    bounds: list[tuple[float, float]],
    *,
    model: str,
    subsample: Objective | None = None,
) -> np.ndarray:
    """Minimize ``objective`` (value, gradient) over log-parameters within ``bounds``.

    ``subsample`` is the same objective on a random subsample of customers, used as a warm start
    on large data. Raises FitError when the optimizer ends on a non-finite value or far from a
    stationary point, and ParameterBoundError when it ends on one of the ``bounds``.
    """
    guarded = _guard(objective)
    lower = np.array([low for low, _ in bounds])
    upper = np.array([high for _, high in bounds])

    def interior(theta: np.ndarray) -> bool:
        return bool(np.all((theta > lower + 1e-6) & (theta < upper - 1e-6)))

    if subsample is not None:
        warm_objective = _guard(subsample)
        warm = _quasi_newton(warm_objective, start, bounds)
        if interior(warm):
            curvature = _hessian(warm_objective, warm)
            theta, value, gradient, converged = _newton(
                guarded, warm, lower, upper, steps=25, hessian=curvature, tolerance=1e-10
            )
            if converged and value < 1e300 and interior(theta):
                return theta
            start = theta

    theta = _quasi_newton(guarded, start, bounds)
    value, gradient = guarded(theta)
    if value >= 1e300:
        raise FitError(f"{model}: the likelihood is not finite at the optimizer's result.")
    if interior(theta):
        theta, value, gradient, _ = _newton(guarded, theta, lower, upper, steps=4)
    inside = (theta > lower + 1e-6) & (theta < upper - 1e-6)
    if np.any(inside) and np.max(np.abs(gradient[inside])) > 1e-4:
        raise FitError(f"{model}: the fit did not converge.")
    if not np.all(inside):
        raise ParameterBoundError(
            f"{model}: the fit ended on a parameter bound (parameter "
            f"{', '.join(str(int(index) + 1) for index in np.flatnonzero(~inside))})."
        )
    return theta
