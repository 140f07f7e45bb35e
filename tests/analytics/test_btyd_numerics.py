"""Numerical checks of the BTYD core against independent computations (no published numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.special import betaln, gammaln

from stammkunde.analytics import btyd
from stammkunde.analytics.btyd import (
    BGNBDParams,
    FitError,
    GammaGammaParams,
    ParetoNBDParams,
    bgnbd,
    gammagamma,
    paretonbd,
)
from tests.fixtures.cdnow.load import sample_spend, sample_summary

BG = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PARETO = ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669)
GG = GammaGammaParams(p=6.25, q=3.74, v=15.44)


def finite_difference(function, theta, step=1e-6):
    gradient = np.empty_like(theta)
    for index in range(theta.size):
        shift = np.zeros_like(theta)
        shift[index] = step
        gradient[index] = (function(theta + shift) - function(theta - shift)) / (2 * step)
    return gradient


@pytest.mark.parametrize(
    "params", [(0.243, 4.414, 0.793, 2.426), (1.5, 0.7, 3.0, 0.4), (0.05, 40.0, 0.2, 9.0)]
)
def test_bgnbd_gradient_matches_finite_differences(params):
    summary = sample_summary()
    data = bgnbd._prepare(
        summary["frequency"], summary["recency"], summary["T"], np.ones(summary["T"].size)
    )
    theta = np.log(params)

    _, analytic = bgnbd._negative_mean_loglik(theta, data)
    numeric = finite_difference(lambda value: bgnbd._negative_mean_loglik(value, data)[0], theta)

    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (0.8, 1.5, 200.0), (20.0, 9.0, 3.0)])
def test_gammagamma_gradient_matches_finite_differences(params):
    spend = sample_spend()
    repeat = spend["frequency"] > 0
    x, m = spend["frequency"][repeat], spend["monetary_value"][repeat]
    w = np.ones(x.size)
    theta = np.log(params)

    _, analytic = gammagamma._negative_mean_loglik(theta, x, m, w, x.size)
    numeric = finite_difference(
        lambda value: gammagamma._negative_mean_loglik(value, x, m, w, x.size)[0], theta
    )

    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_bgnbd_loglikelihood_matches_the_paper_formula_term_by_term():
    x, t_x, age = np.array([0.0, 1, 5]), np.array([0.0, 3, 20]), np.array([30.0, 30, 30])
    r, alpha, a, b = BG.r, BG.alpha, BG.a, BG.b
    expected = []
    for xi, ti, Ti in zip(x, t_x, age, strict=True):
        a1 = np.exp(gammaln(r + xi) - gammaln(r)) * alpha**r
        a2 = np.exp(betaln(a, b + xi) - betaln(a, b))
        a3 = (alpha + Ti) ** -(r + xi)
        a4 = a / (b + xi - 1) * (alpha + ti) ** -(r + xi) if xi > 0 else 0.0
        expected.append(np.log(a1 * a2 * (a3 + a4)))

    np.testing.assert_allclose(btyd.loglikelihood(BG, x, t_x, age), expected, rtol=1e-12)


@pytest.mark.parametrize("params", [PARETO, ParetoNBDParams(0.9, 30.0, 1.4, 2.0)])
def test_paretonbd_likelihood_matches_direct_integration(params):
    """L = C [(a+T)^-(r+x) (b+T)^-s + s * integral_{t_x}^{T} (a+u)^-(r+x) (b+u)^-(s+1) du]."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    rows = [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 2.0, 38.0), (26, 30.86, 31.0), (3, 10.0, 10.0)]
    for x, t_x, age in rows:
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = (alpha + age) ** -(r + x) * (beta + age) ** -s
        died, _ = integrate.quad(
            lambda u, x=x: (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1),
            t_x,
            age,
            epsabs=0,
            epsrel=1e-12,
        )
        expected = head + np.log(alive + s * died)
        assert btyd.loglikelihood(params, x, t_x, age)[0] == pytest.approx(expected, rel=1e-10)


def test_log_hyp2f1_matches_its_series():
    for n, b, z in [(1.2, 1.6, 0.3), (30.0, 1.6, 0.8), (3.0, 29.5, 0.95), (0.9, 0.2, 0.0)]:
        terms = [1.0]
        for k in range(20000):
            terms.append(terms[-1] * (n + k) * (b + k) / ((n + 1 + k) * (k + 1)) * z)
        assert paretonbd.log_hyp2f1_shifted(n, b, z) == pytest.approx(np.log(sum(terms)), rel=1e-10)


def bgnbd_expected_by_quadrature(params, t, x, t_x, age):
    """E[Y(t)] = P(alive) * E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p], p ~ Beta(a, b+x)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    alive = btyd.probability_alive(params, x, t_x, age)[0]

    def integrand(p):
        growth = -np.expm1(-(r + x) * np.log1p(p * t / (alpha + age))) / p
        return growth * np.exp((a - 1) * np.log(p) + (b + x - 1) * np.log1p(-p) - betaln(a, b + x))

    value, _ = integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-11, limit=200)
    return alive * value


@pytest.mark.parametrize(
    "params", [BG, BGNBDParams(0.5, 20.0, 1.8, 0.3), BGNBDParams(2.0, 3.0, 1.00001, 4.0)]
)
def test_bgnbd_expected_purchases_matches_quadrature(params):
    rows = [
        (0, 0.0, 38.86),
        (2, 30.43, 38.86),
        (29, 37.71, 38.0),
        (500, 300.0, 310.0),
        (3, 1.0, 5000.0),
    ]
    for x, t_x, age in rows:
        ours = btyd.expected_purchases(params, 39.0, x, t_x, age)[0]
        assert ours == pytest.approx(
            bgnbd_expected_by_quadrature(params, 39.0, x, t_x, age), rel=2e-6
        )


def test_probability_no_purchase_is_the_likelihood_ratio():
    x, t_x, age = (
        np.array([0.0, 2, 29]),
        np.array([0.0, 30.43, 37.71]),
        np.array([38.86, 38.86, 38.0]),
    )
    for params in (BG, PARETO):
        ratio = np.exp(
            btyd.loglikelihood(params, x, t_x, age + 13.0) - btyd.loglikelihood(params, x, t_x, age)
        )
        np.testing.assert_allclose(
            btyd.probability_no_purchase(params, 13.0, x, t_x, age), ratio, rtol=1e-10
        )


def test_predictions_stay_finite_and_in_range_for_extreme_customers():
    x = np.array([0.0, 0, 1, 10_000, 10_000, 50, 3])
    t_x = np.array([0.0, 0, 1e6, 1e6, 1.0, 0.5, 0.0])
    age = np.array([0.0, 1e6, 1e6, 1e6, 1e6, 0.5, 1e-9])
    for params in (BG, PARETO):
        alive = btyd.probability_alive(params, x, t_x, age)
        risk = btyd.churn_risk(params, 90.0, x, t_x, age)
        expected = btyd.expected_purchases(params, 90.0, x, t_x, age)
        for values in (alive, risk, expected):
            assert np.all(np.isfinite(values))
        assert np.all((alive >= 0) & (alive <= 1))
        assert np.all((risk >= 0) & (risk <= 1))
        assert np.all(expected >= 0)
    value = btyd.clv(BG, GG, x, t_x, age, np.full(x.size, 20.0))
    assert np.all(np.isfinite(value)) and np.all(value >= 0)


def test_one_time_buyers_are_alive_under_bgnbd_but_their_risk_grows_with_silence():
    ages = np.array([10.0, 30.0, 60.0])
    alive = btyd.probability_alive(BG, 0, 0, ages)
    risk = btyd.churn_risk(BG, 13.0, 0, 0, ages)

    np.testing.assert_array_equal(alive, 1.0)
    assert risk[0] < risk[1] < risk[2]


def test_pareto_expected_purchases_is_continuous_at_s_equal_one():
    values = [
        btyd.expected_purchases(ParetoNBDParams(0.5, 10.0, s, 12.0), 39.0, 3, 20.0, 38.0)[0]
        for s in (1.0 - 1e-7, 1.0, 1.0 + 1e-7)
    ]
    assert values[1] == pytest.approx(values[0], rel=1e-6)
    assert values[1] == pytest.approx(values[2], rel=1e-6)


def test_clv_is_the_discounted_sum_of_monthly_expected_orders():
    x, t_x, age, spend = (
        np.array([0.0, 3]),
        np.array([0.0, 20.0]),
        np.array([30.0, 30.0]),
        np.array([0.0, 40.0]),
    )
    value = btyd.expected_order_value(GG, x, spend)
    month = 365.25 / 12 / 7
    expected = np.zeros(2)
    for i in range(1, 13):
        gained = btyd.expected_purchases(BG, i * month, x, t_x, age) - btyd.expected_purchases(
            BG, (i - 1) * month, x, t_x, age
        )
        expected += 0.3 * value * gained / 1.01**i

    ours = btyd.clv(BG, GG, x, t_x, age, spend, time_unit_days=7, margin=0.3)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert btyd.expected_order_value(GG, 0, 0)[0] == pytest.approx(GG.p * GG.v / (GG.q - 1))


def simulate_bgnbd(params, customers, rng):
    age = rng.uniform(30, 60, customers)
    rate = rng.gamma(params.r, 1 / params.alpha, customers)
    dropout = rng.beta(params.a, params.b, customers)
    possible = rng.poisson(rate * age)
    x = np.minimum(possible, rng.geometric(dropout))
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), possible - x + 1), 0.0)
    return x.astype(float), t_x, age


def test_fit_recovers_the_parameters_of_simulated_customers():
    truth = BGNBDParams(r=0.8, alpha=6.0, a=0.9, b=3.0)
    x, t_x, age = simulate_bgnbd(truth, 100_000, np.random.default_rng(7))

    fitted = btyd.fit_bgnbd(x, t_x, age)

    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(truth, name), rel=0.1), name


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, np.nan], [1, 0], [2, 2], "not finite"),
        ([1, -1], [1, 0], [2, 2], "whole number"),
        ([1.5], [1], [2], "whole number"),
        ([1], [3], [2], "greater than T"),
        ([1], [-1], [2], "recency must not be negative"),
        ([0], [1], [2], "recency must be 0"),
        ([1], [1], [-2], "must not be negative"),
        ([1, 2], [1], [2, 3, 4], "same length"),
    ],
)
def test_bad_input_raises_a_clear_value_error(frequency, recency, T, message):
    for fit in (btyd.fit_bgnbd, btyd.fit_paretonbd):
        with pytest.raises(ValueError, match=message):
            fit(frequency, recency, T)
    with pytest.raises(ValueError, match=message):
        btyd.probability_alive(BG, frequency, recency, T)


def test_data_without_repeat_buyers_raises_fit_error():
    for fit in (btyd.fit_bgnbd, btyd.fit_paretonbd):
        with pytest.raises(FitError, match="no customer bought more than once"):
            fit([0, 0, 0], [0, 0, 0], [5, 9, 20])
        with pytest.raises(FitError):
            fit([1, 2], [0, 0], [0, 0])  # all zero times
        with pytest.raises(FitError):
            fit([], [], [])
    with pytest.raises(FitError):
        btyd.fit_gammagamma([0, 1], [0, 20.0])
    with pytest.raises(FitError):
        btyd.fit_gammagamma([2, 1, 3], [20.0, 20.0, 20.0])
    with pytest.raises(ValueError, match="monetary_value must be positive"):
        btyd.fit_gammagamma([2, 1], [20.0, -5.0])
    assert issubclass(FitError, RuntimeError)


def test_negative_horizon_is_rejected():
    with pytest.raises(ValueError, match="horizon"):
        btyd.expected_purchases(BG, -1, 1, 1, 2)
    with pytest.raises(ValueError, match="horizon"):
        btyd.churn_risk(PARETO, -1, 1, 1, 2)


def test_unknown_parameter_type_is_rejected():
    with pytest.raises(TypeError):
        btyd.probability_alive(GG, 1, 1, 2)


def test_large_data_warm_start_converges_to_the_same_optimum():
    """Above 200,000 customers the fit starts from a subsample; the optimum must not move."""
    truth = BGNBDParams(r=0.243, alpha=30.0, a=0.793, b=2.426)
    x, t_x, age = simulate_bgnbd(truth, 250_000, np.random.default_rng(11))
    t_x, age = np.floor(t_x), np.ceil(age)  # whole days, as the scoring job passes them

    warm = btyd.fit_bgnbd(x, t_x, age)
    # The same mean log-likelihood with weights summing to 250 takes the direct path.
    direct = btyd.fit_bgnbd(x, t_x, age, weights=np.full(x.size, 0.001))

    for name in ("r", "alpha", "a", "b"):
        assert getattr(warm, name) == pytest.approx(getattr(direct, name), rel=1e-6), name


def test_degenerate_pareto_fit_gives_up_with_fit_error(monkeypatch):
    """Nobody ever drops out: the Pareto/NBD optimum runs off to s -> 0; the fit must stop."""
    monkeypatch.setattr(paretonbd, "TIME_BUDGET_SECONDS", 2.0)
    rng = np.random.default_rng(0)
    age = rng.uniform(30, 60, 5_000)
    purchases = rng.poisson(rng.gamma(1.0, 0.1, age.size) * age).astype(float)
    last = np.where(purchases > 0, age * rng.beta(np.maximum(purchases, 1), 1), 0.0)

    with pytest.raises(FitError):
        btyd.fit_paretonbd(purchases, last, age)


def test_bgnbd_expected_purchases_stay_finite_for_fits_with_huge_a_and_b():
    """Young shops can fit a ~ 1e3, b ~ 2e4, where the closed form's 2F1 loses all precision;
    the quadrature fallback must agree with the closed form where both work, and stay finite and
    below the no-dropout bound (r + x) / (alpha + T) * t where only it works."""
    import numpy as np

    from stammkunde.analytics.btyd import BGNBDParams, bgnbd, expected_purchases

    x = np.array([0.0, 1.0, 5.0, 20.0])
    age = np.array([38.0, 30.0, 20.0, 39.0])
    t = np.full(4, 39.0)
    moderate = BGNBDParams(r=0.8, alpha=60.0, a=14.0, b=220.0)
    z = t / (moderate.alpha + age + t)
    closed = bgnbd._expected_alive_purchases(moderate.a, moderate.b, moderate.r, x, z)
    by_quadrature = bgnbd._expected_alive_purchases_by_quadrature(
        moderate.a, moderate.b, moderate.r, moderate.alpha, x, age, t
    )
    np.testing.assert_allclose(by_quadrature, closed, rtol=1e-8)

    huge = BGNBDParams(r=0.8, alpha=60.0, a=1400.0, b=22026.0)
    x = np.array([0.0, 1.0, 3.0, 10.0, 0.0])
    recency = np.array([0.0, 50.0, 200.0, 300.0, 0.0])
    age = np.array([400.0, 400.0, 400.0, 400.0, 30.0])
    previous = np.zeros(5)
    for horizon in (30.0, 90.0, 365.0):
        expected = expected_purchases(huge, horizon, x, recency, age)
        assert np.all(np.isfinite(expected))
        assert np.all(expected > previous)
        assert np.all(expected <= (huge.r + x) / (huge.alpha + age) * horizon)
        previous = expected


def test_an_optimum_on_a_parameter_bound_is_refused():
    """Nobody ever drops out in this data: BG/NBD runs to a -> 0 and must not be shown."""
    import numpy as _np

    from stammkunde.analytics.btyd import ParameterBoundError, fit_bgnbd

    # Every customer buys every 10 days, up to today: no sign of anyone dropping out.
    age = _np.array([100.0, 90, 80, 70, 60, 50, 40, 30] * 5)
    x = age // 10
    t_x = x * 10
    with pytest.raises(ParameterBoundError, match="parameter bound"):
        fit_bgnbd(x, t_x, age)
