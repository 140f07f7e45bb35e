"""Fit the BTYD models on a shop's customers and predict per customer: arrays in, arrays out.

The likelihoods only depend on (x, t_x, T), and with times in whole days millions of customers
share far fewer distinct triples; the fit and the predictions run on the distinct rows with
their counts as weights and are spread back to customers by index. Whatever goes wrong in a
fit (too little data, no repeat buyers, a diverging optimizer) ends in the simple rules, never
in NaN: every prediction that is not finite becomes "unknown".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from stammkunde.analytics import btyd
from stammkunde.analytics.btyd.risk import churn_risk as btyd_churn_risk

DAYS_PER_MONTH = 365.25 / 12
CHURN_RISK_HORIZON_DAYS = btyd.DEFAULT_HORIZON_DAYS
MODELS = ("bgnbd", "paretonbd")
# Below these the models' four parameters are not pinned down by the data: a shop of 5
# customers got P(alive) = 1 for everyone from a fit that ran off to a bound. No model figure
# is shown until a shop has this many customers, and this many of them with a repeat purchase.
MIN_MODEL_CUSTOMERS = 50
MIN_MODEL_REPEATERS = 20
# Why no model figures are shown (ScoringRun.summary["model_status"]["reason"]).
REASON_TOO_FEW_CUSTOMERS = "too_few_customers"
REASON_TOO_FEW_REPEATERS = "too_few_repeaters"
REASON_PARAMETER_BOUND = "parameter_bound"
REASON_NO_FIT = "no_fit"


class NotEnoughData(btyd.FitError):
    """Too few customers (or repeat buyers) to fit a model at all; ``reason`` is the code."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Predictions:
    """Per-customer model figures; NaN means unknown (written as NULL)."""

    model: str
    parameters: dict = field(default_factory=dict)
    p_alive: np.ndarray | None = None
    churn_risk: np.ndarray | None = None
    expected_30: np.ndarray | None = None
    expected_90: np.ndarray | None = None
    expected_365: np.ndarray | None = None
    next_order_in_days: np.ndarray | None = None
    expected_order_value: np.ndarray | None = None
    clv: np.ndarray | None = None
    error: str = ""
    # Why the model figures are missing (one of the REASON_* codes), "" when they are there.
    reason: str = ""
    # The model asked for when another one was used instead (Pareto/NBD -> BG/NBD).
    fallback_from: str = ""


def compress(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t_x, T) rows, their counts, and each customer's index into them."""
    x = np.asarray(frequency, dtype=np.int64)
    t_x = np.asarray(recency, dtype=np.int64)
    t = np.asarray(age, dtype=np.int64)
    if x.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, empty, empty
    # One int64 key per customer sorts much faster than np.unique over rows (axis=0).
    span_t = int(t.max()) + 1
    span_tx = int(t_x.max()) + 1
    if (int(x.max()) + 1) * span_tx * span_t < 2**62:
        key = (x * span_tx + t_x) * span_t + t
        unique, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        ux, rest = np.divmod(unique, span_tx * span_t)
        utx, ut = np.divmod(rest, span_t)
        return ux, utx, ut, counts, inverse
    rows, inverse, counts = np.unique(
        np.column_stack([x, t_x, t]), axis=0, return_inverse=True, return_counts=True
    )
    return rows[:, 0], rows[:, 1], rows[:, 2], counts, inverse.reshape(-1)


def _finite(values: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).copy()
    values[~np.isfinite(values)] = np.nan
    if low is not None or high is not None:
        values = np.clip(values, low, high)
    return values


def fit_model(
    model: str, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> tuple[object, tuple]:
    """Fit BG/NBD or Pareto/NBD on compressed rows; returns (params, compressed arrays).

    Raises ``NotEnoughData`` below MIN_MODEL_CUSTOMERS customers or MIN_MODEL_REPEATERS
    repeat buyers, and ``btyd.FitError`` (``btyd.ParameterBoundError``) when the data cannot
    support a fit.
    """
    customers = int(np.size(frequency))
    repeaters = int(np.count_nonzero(np.asarray(frequency) > 0))
    if customers < MIN_MODEL_CUSTOMERS:
        raise NotEnoughData(
            f"{customers} customers with orders; the models need at least {MIN_MODEL_CUSTOMERS}",
            REASON_TOO_FEW_CUSTOMERS,
        )
    if repeaters < MIN_MODEL_REPEATERS:
        raise NotEnoughData(
            f"{repeaters} customers ordered more than once; the models need at least "
            f"{MIN_MODEL_REPEATERS}",
            REASON_TOO_FEW_REPEATERS,
        )
    ux, utx, ut, counts, inverse = compress(frequency, recency, age)
    if ux.size == 0 or not np.any(ux > 0) or not np.any(ut > 0):
        raise btyd.FitError("no repeat purchases or no elapsed time to fit a model on")
    fit = btyd.fit_paretonbd if model == "paretonbd" else btyd.fit_bgnbd
    params = fit(ux.astype(float), utx.astype(float), ut.astype(float), weights=counts)
    values = np.array(list(asdict(params).values()), dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise btyd.FitError(f"fit returned unusable parameters {params}")
    return params, (ux, utx, ut, counts, inverse)


def predict(
    frequency: np.ndarray,
    recency: np.ndarray,
    age: np.ndarray,
    repeat_value: np.ndarray,
    *,
    model: str = "bgnbd",
    margin: float = 1.0,
    monthly_discount_rate: float = 0.01,
    fallback_order_value: np.ndarray | None = None,
) -> Predictions:
    """Fit ``model`` and Gamma-Gamma, then predict every figure per customer (days).

    A Pareto/NBD fit that fails (it did not converge, or ended on the edge of its search) is
    replaced by BG/NBD (``fallback_from`` says so). When no model can be fitted - too few
    customers or repeat buyers, a fit on a parameter bound - returns
    ``Predictions(model="rules", error=..., reason=...)`` with no model figures.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}")
    asked = model
    try:
        with np.errstate(all="ignore"):
            params, (ux, utx, ut, _, inverse) = fit_model(model, frequency, recency, age)
    except NotEnoughData as error:
        return Predictions(model="rules", error=str(error), reason=error.reason)
    except (btyd.FitError, ValueError, FloatingPointError, ArithmeticError) as error:
        failure: Exception = error
        params = None
        if model == "paretonbd":
            model = "bgnbd"
            try:
                with np.errstate(all="ignore"):
                    params, (ux, utx, ut, _, inverse) = fit_model(model, frequency, recency, age)
            except (btyd.FitError, ValueError, FloatingPointError, ArithmeticError) as second:
                failure = second
        if params is None:
            reason = (
                REASON_PARAMETER_BOUND
                if isinstance(failure, btyd.ParameterBoundError)
                else REASON_NO_FIT
            )
            return Predictions(
                model="rules", error=str(failure) or type(failure).__name__, reason=reason
            )

    with np.errstate(all="ignore"):
        fx, ftx, ft = ux.astype(float), utx.astype(float), ut.astype(float)
        p_alive = _finite(btyd.probability_alive(params, fx, ftx, ft), 0.0, 1.0)
        expected = {
            days: _finite(btyd.expected_purchases(params, float(days), fx, ftx, ft), 0.0)
            for days in (30, 90, 365)
        }
        risk = _finite(btyd_churn_risk(params, CHURN_RISK_HORIZON_DAYS, fx, ftx, ft), 0.0, 1.0)
        next_in = _finite(median_days_to_next_purchase(params, fx, ft), 0.0)
        next_in[p_alive < 0.5] = np.nan
    result = Predictions(
        model=model,
        parameters={model: asdict(params)},
        p_alive=p_alive[inverse],
        churn_risk=risk[inverse],
        expected_30=expected[30][inverse],
        expected_90=expected[90][inverse],
        expected_365=expected[365][inverse],
        next_order_in_days=next_in[inverse],
        fallback_from=asked if asked != model else "",
    )
    with np.errstate(all="ignore"):
        # The discounted expected purchases depend on (x, t_x, T) only: per distinct row.
        discounted = discounted_value(
            params, fx, ftx, ft, np.ones(fx.size), 1.0, monthly_discount_rate
        )[inverse]
    _add_value(
        result,
        discounted,
        np.asarray(frequency, dtype=float),
        np.asarray(repeat_value, dtype=float),
        margin=margin,
        fallback_order_value=fallback_order_value,
    )
    return result


def _add_value(
    result: Predictions,
    discounted: np.ndarray,
    x: np.ndarray,
    value: np.ndarray,
    *,
    margin: float,
    fallback_order_value: np.ndarray | None,
) -> None:
    """Gamma-Gamma expected order value and the 12-month CLV (rules value if GG fails)."""
    usable = (x > 0) & np.isfinite(value) & (value > 0)
    gg = None
    if np.count_nonzero(usable) >= 10:
        try:
            with np.errstate(all="ignore"):
                gg = btyd.fit_gammagamma(x[usable], value[usable])
            if not all(math.isfinite(v) and v > 0 for v in asdict(gg).values()):
                gg = None
        except (btyd.FitError, ValueError, FloatingPointError, ArithmeticError) as error:
            result.error = f"Gamma-Gamma: {error}"
    with np.errstate(all="ignore"):
        if gg is not None:
            result.parameters["gammagamma"] = asdict(gg)
            # Customers without a positive repeat value are predicted from x = 0 (the mean).
            x_for_value = np.where(usable, x, 0.0)
            order_value = _finite(
                btyd.expected_order_value(gg, x_for_value, np.where(usable, value, 0.0)), 0.0
            )
            # The month-by-month discounted sum btyd.clv computes, times each customer's own
            # expected order value (x = 0 rows get the population mean).
            clv = _finite(discounted * order_value * margin, 0.0)
        else:
            order_value = _finite(
                fallback_order_value
                if fallback_order_value is not None
                else np.full(x.shape, np.nan),
                0.0,
            )
            clv = _finite(discounted * order_value * margin, 0.0)
    result.expected_order_value = order_value
    result.clv = clv


def discounted_value(
    params: object,
    x: np.ndarray,
    t_x: np.ndarray,
    t: np.ndarray,
    order_value: np.ndarray,
    margin: float,
    monthly_discount_rate: float,
    months: int = 12,
) -> np.ndarray:
    """Sum over the next months of expected purchases in the month x value x margin, discounted.

    The same month-by-month sum as ``lifetimes``' ``customer_lifetime_value``.
    """
    total = np.zeros(np.shape(x), dtype=float)
    previous = np.zeros(np.shape(x), dtype=float)
    for month in range(1, months + 1):
        cumulative = btyd.expected_purchases(params, month * DAYS_PER_MONTH, x, t_x, t)
        total += (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return total * order_value * margin


def median_days_to_next_purchase(
    params: object, frequency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Median waiting time to the next purchase of a customer who is still active.

    Both models share the posterior of the purchase rate, Gamma(r + x, alpha + T), so
    P(no purchase within t | active) = ((alpha + T) / (alpha + T + t)) ** (r + x); this is 1/2 at
    t = (alpha + T) * (2 ** (1 / (r + x)) - 1).
    """
    r, alpha = float(params.r), float(params.alpha)
    return (alpha + age) * np.expm1(np.log(2.0) / (r + frequency))
