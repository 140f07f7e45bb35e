"""Our predictions agree with the lifetimes package (0.11.3) on the CDNOW sample summary (weeks).

lifetimes cannot live in our environment, so its numbers are recorded here as literals. Reproduce
them with

    .venv/bin/python benchmarks/btyd_reference.py lifetimes-literals

which creates benchmarks/.work/lifetimes-venv (lifetimes==0.11.3 numpy==1.26.4 pandas==1.5.3
scipy==1.11.4 autograd==1.6.2 python-dateutil==2.9.0.post0) and prints the constants below
(BetaGeoFitter and GammaGammaFitter with default settings; ParetoNBDFitter with tol=1e-12,
maxiter=20000, iterative_fitting=3). Customers are CDNOW sample IDs; rows are (x, t_x, T, zbar).

Two kinds of checks: our formulas evaluated at lifetimes' parameters must match its predictions
to ~1e-9 (the formulas are the same mathematics), and our own fits must match its parameters and
predictions to 1e-5 (both optimizers converge; lifetimes' tolerance limits the agreement).
"""

from __future__ import annotations

import numpy as np
import pytest

from stammkunde.analytics import btyd
from stammkunde.analytics.btyd import BGNBDParams, GammaGammaParams, ParetoNBDParams
from tests.fixtures.cdnow.load import sample_spend, sample_summary

BGNBD = {
    "r": 0.24259292827982182,
    "alpha": 4.413532265271819,
    "a": 0.7928859664406882,
    "b": 2.42575238262586,
}
PARETONBD = {
    "r": 0.5532755369491368,
    "alpha": 10.577612526456909,
    "s": 0.6062135419248276,
    "beta": 11.667909912196368,
}
GAMMAGAMMA = {"p": 6.248802496075312, "q": 3.744588460923114, "v": 15.44774806492914}
CUSTOMERS = [1, 2, 3, 18, 129, 157, 1516, 2357]
ROWS = [
    [2.0, 30.43, 38.86, 22.35],
    [1.0, 1.71, 38.86, 11.77],
    [0.0, 0.0, 38.86, 0.0],
    [1.0, 4.86, 38.86, 9.99],
    [4.0, 7.57, 38.0, 13.62],
    [29.0, 37.71, 38.0, 26.26],
    [26.0, 30.86, 31.0, 39.97],
    [0.0, 0.0, 27.0, 0.0],
]
BGNBD_P_ALIVE = [
    0.726609136799059,
    0.2122273880722099,
    1.0,
    0.310915280966149,
    0.03109482590563924,
    0.9691335940044047,
    0.9689197159692103,
    1.0,
]
BGNBD_EXPECTED_39 = [
    1.2259104241743999,
    0.20325062425619006,
    0.1947808579394776,
    0.297764230720575,
    0.09822293908120718,
    20.053665319497334,
    20.750570498763963,
    0.2589775055748141,
]
PARETONBD_P_ALIVE = [
    0.8691187198519253,
    0.16787197240178842,
    0.2950971476128638,
    0.25125225944420765,
    0.05381094261674888,
    0.9961245914470136,
    0.9979179433611068,
    0.3837386272421939,
]
PARETONBD_EXPECTED_39 = [
    1.4551129713098845,
    0.17098051438053918,
    0.10705979406203131,
    0.255904782343438,
    0.16308541716112263,
    19.594756986238462,
    20.11586714221542,
    0.17534833657914795,
]
PARETONBD_P_NO_PURCHASE_39 = [
    0.40809106880671,
    0.9134202360286163,
    0.9307332967853148,
    0.8704169552026744,
    0.954694553774073,
    0.023480462645227344,
    0.023818643301070714,
    0.8966576927822804,
]
GAMMAGAMMA_EXPECTED_VALUE = [
    24.658616189236472,
    18.911479869929103,
    35.17100215250665,
    17.674697381966816,
    15.752266099405704,
    26.392947663530567,
    39.890277230162276,
    35.17100215250665,
]
CLV_12_MONTHS = [
    36.27849576362541,
    4.637466328569604,
    8.344093121809983,
    6.349622110038234,
    1.8453264349197107,
    625.3500337089599,
    972.1255634233548,
    11.017135935942237,
]

x, t_x, age, zbar = (np.array(column) for column in zip(*ROWS, strict=True))
# lifetimes' customer_lifetime_value with freq="W" steps 4.345 weeks per month.
LIFETIMES_MONTH_DAYS = 4.345 * 7


def test_literal_rows_are_the_cdnow_customers_they_claim_to_be():
    summary, spend = sample_summary(), sample_spend()
    index = np.searchsorted(summary["id"], CUSTOMERS)
    np.testing.assert_array_equal(summary["frequency"][index], x)
    np.testing.assert_array_equal(summary["recency"][index], t_x)
    np.testing.assert_array_equal(summary["T"][index], age)
    np.testing.assert_array_equal(spend["monetary_value"][index], zbar)


def test_formulas_match_lifetimes_at_its_parameters():
    bgnbd = BGNBDParams(**BGNBD)
    pareto = ParetoNBDParams(**PARETONBD)
    gamma = GammaGammaParams(**GAMMAGAMMA)

    np.testing.assert_allclose(
        btyd.probability_alive(bgnbd, x, t_x, age), BGNBD_P_ALIVE, rtol=1e-10
    )
    np.testing.assert_allclose(
        btyd.expected_purchases(bgnbd, 39, x, t_x, age), BGNBD_EXPECTED_39, rtol=1e-9
    )
    np.testing.assert_allclose(
        btyd.probability_alive(pareto, x, t_x, age), PARETONBD_P_ALIVE, rtol=1e-9
    )
    np.testing.assert_allclose(
        btyd.expected_purchases(pareto, 39, x, t_x, age), PARETONBD_EXPECTED_39, rtol=1e-9
    )
    np.testing.assert_allclose(
        btyd.probability_no_purchase(pareto, 39, x, t_x, age), PARETONBD_P_NO_PURCHASE_39, rtol=1e-7
    )
    np.testing.assert_allclose(
        btyd.expected_order_value(gamma, x, zbar), GAMMAGAMMA_EXPECTED_VALUE, rtol=1e-12
    )
    value = btyd.clv(
        bgnbd, gamma, x, t_x, age, zbar, time_unit_days=7, days_per_month=LIFETIMES_MONTH_DAYS
    )
    np.testing.assert_allclose(value, CLV_12_MONTHS, rtol=1e-9)


def test_our_fits_match_lifetimes_parameters_and_predictions():
    summary, spend = sample_summary(), sample_spend()
    bgnbd = btyd.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    pareto = btyd.fit_paretonbd(summary["frequency"], summary["recency"], summary["T"])
    gamma = btyd.fit_gammagamma(spend["frequency"], spend["monetary_value"])

    for ours, theirs in [(bgnbd, BGNBD), (pareto, PARETONBD), (gamma, GAMMAGAMMA)]:
        for name, value in theirs.items():
            assert getattr(ours, name) == pytest.approx(value, rel=1e-5), name
    np.testing.assert_allclose(btyd.probability_alive(bgnbd, x, t_x, age), BGNBD_P_ALIVE, rtol=1e-5)
    np.testing.assert_allclose(
        btyd.expected_purchases(bgnbd, 39, x, t_x, age), BGNBD_EXPECTED_39, rtol=1e-5
    )
    np.testing.assert_allclose(
        btyd.probability_alive(pareto, x, t_x, age), PARETONBD_P_ALIVE, rtol=1e-5
    )
    np.testing.assert_allclose(
        btyd.expected_purchases(pareto, 39, x, t_x, age), PARETONBD_EXPECTED_39, rtol=1e-5
    )
    value = btyd.clv(
        bgnbd, gamma, x, t_x, age, zbar, time_unit_days=7, days_per_month=LIFETIMES_MONTH_DAYS
    )
    np.testing.assert_allclose(value, CLV_12_MONTHS, rtol=1e-5)


def test_published_hardie_spreadsheet_conditional_expectation():
    """Hardie's BG/NBD spreadsheet: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in 39 weeks."""
    summary = sample_summary()
    params = btyd.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])

    assert btyd.expected_purchases(params, 39, 2, 30.43, 38.86)[0] == pytest.approx(
        1.226, abs=0.0005
    )
