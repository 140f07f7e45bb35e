"""The fits reproduce the published CDNOW estimates (sample of 2,357 customers, weeks 1-39).

Sources:
- BG/NBD r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4: Fader, Hardie & Lee (2005),
  "Counting your customers the easy way: an alternative to the Pareto/NBD model", Marketing
  Science 24(2), 275-284, section 5 (also http://brucehardie.com/notes/004/).
- Pareto/NBD r=0.553, alpha=10.578, s=0.606, beta=11.669: the values the lifetimes package's test
  suite checks as "close to Hardie paper" (lifetimes/tests/test_estimation.py,
  TestParetoNBDFitter.test_params_out_is_close_to_Hardie_paper); FHL 2005 print them rounded to
  0.55, 10.58, 0.61, 11.67 (LL -9595.0), the BTYD R vignette reports 0.5534, 10.5802, 0.6061,
  11.6562. The likelihood is very flat along alpha/beta, so the three sources differ in the third
  decimal of beta; we assert the published three decimals to +-0.002 and that our optimum is at
  least as likely as each published set.
- Gamma-Gamma p=6.25, q=3.74, v=15.44 on the 946 repeat buyers: Fader, Hardie & Lee (2005), "RFM
  and CLV: using iso-value curves for customer base analysis", JMR 42(4), 415-430 (also
  http://brucehardie.com/notes/025/). The exact optimum on this file is v=15.448; the paper prints
  15.44, so v is asserted to one unit in the last published place.
"""

from __future__ import annotations

import numpy as np
import pytest

from stammkunde.analytics import btyd
from stammkunde.analytics.btyd import ParetoNBDParams
from tests.fixtures.cdnow.load import sample_spend, sample_summary


@pytest.fixture(scope="module")
def summary():
    return sample_summary()


def test_bgnbd_reproduces_fader_hardie_lee_2005(summary):
    params = btyd.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])

    assert params.r == pytest.approx(0.243, abs=0.0005)
    assert params.alpha == pytest.approx(4.414, abs=0.0005)
    assert params.a == pytest.approx(0.793, abs=0.0005)
    assert params.b == pytest.approx(2.426, abs=0.0005)
    loglik = btyd.loglikelihood(params, summary["frequency"], summary["recency"], summary["T"])
    assert loglik.sum() == pytest.approx(-9582.4, abs=0.05)


def test_paretonbd_reproduces_the_published_estimates(summary):
    x, t_x, age = summary["frequency"], summary["recency"], summary["T"]
    params = btyd.fit_paretonbd(x, t_x, age)

    assert params.r == pytest.approx(0.553, abs=0.002)
    assert params.alpha == pytest.approx(10.578, abs=0.002)
    assert params.s == pytest.approx(0.606, abs=0.002)
    assert params.beta == pytest.approx(11.669, abs=0.002)
    ours = btyd.loglikelihood(params, x, t_x, age).sum()
    assert ours == pytest.approx(-9595.0, abs=0.05)
    for published in [(0.553, 10.578, 0.606, 11.669), (0.5534, 10.5802, 0.6061, 11.6562)]:
        assert ours >= btyd.loglikelihood(ParetoNBDParams(*published), x, t_x, age).sum()


def test_gammagamma_reproduces_the_rfm_and_clv_paper():
    spend = sample_spend()
    params = btyd.fit_gammagamma(spend["frequency"], spend["monetary_value"])

    assert int(np.count_nonzero(spend["frequency"] > 0)) == 946
    assert params.p == pytest.approx(6.25, abs=0.005)
    assert params.q == pytest.approx(3.74, abs=0.005)
    assert params.v == pytest.approx(15.44, abs=0.01)


def test_fit_with_weights_equals_fit_on_every_row(summary):
    x, t_x, age = summary["frequency"], summary["recency"], summary["T"]
    rows = np.stack([x, t_x, age], axis=1)
    distinct, counts = np.unique(rows, axis=0, return_counts=True)

    weighted = btyd.fit_bgnbd(distinct[:, 0], distinct[:, 1], distinct[:, 2], weights=counts)
    plain = btyd.fit_bgnbd(x, t_x, age)

    for name in ("r", "alpha", "a", "b"):
        assert getattr(weighted, name) == pytest.approx(getattr(plain, name), rel=1e-7)
    assert len(distinct) < len(x) / 2  # the file really has repeated rows


def test_bgnbd_fit_is_the_same_in_days_as_in_weeks(summary):
    """Changing the time unit only rescales alpha: a check of convergence from another start."""
    weeks = btyd.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    days = btyd.fit_bgnbd(summary["frequency"], summary["recency"] * 7, summary["T"] * 7)

    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-6)
    assert days.r == pytest.approx(weeks.r, rel=1e-6)
    assert days.a == pytest.approx(weeks.a, rel=1e-6)
    assert days.b == pytest.approx(weeks.b, rel=1e-6)
