"""The scoring job end to end on a real database: figures checked against second computations.

Order histories are written with the ORM; the expected RFM figures and intervals are computed
here in plain Python from the same lists, and the model figures through the public btyd
functions with the parameters the run reports.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone, translation

from stammkunde.analytics import btyd
from stammkunde.analytics.chart_queries import churn_risk_histogram, clv_histogram, cohort_table
from stammkunde.analytics.insight import customer_insight
from stammkunde.analytics.models import CustomerScore, KpiRow, RunState, ScoringRun
from stammkunde.analytics.queries import (
    churn_alarms,
    current_kpis,
    kpi_series,
    latest_run,
    segment_counts,
)
from stammkunde.analytics.services import run_scoring
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
FLOAT_FIELDS = [
    "mean_interval_days",
    "reference_interval_days",
    "p_alive",
    "churn_risk",
    "expected_purchases_30",
    "expected_purchases_90",
    "expected_purchases_365",
]


def histories(count: int = 120, seed: int = 5) -> list[list[tuple[int, Decimal]]]:
    """Per customer: (days ago, total) of each order, a BG/NBD-like mix of buyers."""
    rng = np.random.default_rng(seed)
    result = []
    for _ in range(count):
        first = int(rng.integers(60, 700))
        rate = rng.gamma(1.2, 1 / 60)
        life = rng.exponential(400)
        days = [first]
        t = first - rng.exponential(1 / rate)
        while t > 0 and first - t < life:
            days.append(int(t))
            t -= rng.exponential(1 / rate)
        # Customers differ in what they spend (as Gamma-Gamma assumes), orders scatter around it.
        spend = rng.gamma(4, 10)
        result.append([(d, Decimal(str(round(rng.gamma(6, spend / 6) + 5, 2)))) for d in days])
    return result


def write_orders(shop, orders_by_customer) -> list[Customer]:
    customers = Customer.objects.bulk_create(
        [Customer(email=f"k{index}@example.de") for index in range(len(orders_by_customer))]
    )
    rows = []
    for customer, history in zip(customers, orders_by_customer, strict=True):
        for number, (days_ago, total) in enumerate(history):
            rows.append(
                Order(
                    shop=shop,
                    external_id=f"{customer.pk}-{number}",
                    number=f"{customer.pk}-{number}",
                    customer=customer,
                    placed_at=NOW - timedelta(days=days_ago),
                    total=total,
                )
            )
    Order.objects.bulk_create(rows)
    return customers


def local_day(moment: datetime) -> int:
    return timezone.localdate(moment).toordinal()


def expected_summary(history) -> dict:
    """x, t_x, T, orders, revenue by hand (purchase days counted once)."""
    today = local_day(NOW)
    days = sorted({local_day(NOW - timedelta(days=d)) for d, _ in history})
    return {
        "x": len(days) - 1,
        "t_x": days[-1] - days[0],
        "T": today - days[0],
        "since": today - days[-1],
        "orders": len(history),
        "revenue": sum(total for _, total in history),
        "first": days[0],
        "last": days[-1],
    }


@pytest.fixture
def scored(shop):
    orders = histories()
    customers = write_orders(shop, orders)
    run = run_scoring(as_of=NOW)
    return run, customers, orders


def test_job_finishes_and_scores_every_customer(scored):
    run, customers, _ = scored

    assert run.state == RunState.FINISHED
    assert run.model == "bgnbd"
    assert run.customers_scored == len(customers)
    assert CustomerScore.objects.count() == len(customers)
    assert latest_run() == run


def test_rfm_figures_and_intervals_match_a_hand_computation(scored):
    _, customers, orders = scored
    summaries = [expected_summary(history) for history in orders]
    own = [s["t_x"] / s["x"] for s in summaries if s["x"] > 0]
    store = sum(own) / len(own)
    since = [s["since"] for s in summaries]

    for customer, summary in list(zip(customers, summaries, strict=True))[:40]:
        score = CustomerScore.objects.get(customer=customer)
        assert score.orders_count == summary["orders"]
        assert score.recency_days == summary["since"]
        assert score.first_order_at.toordinal() == summary["first"]
        assert score.last_order_at.toordinal() == summary["last"]
        assert score.total_revenue == summary["revenue"]
        assert score.average_order_value == (summary["revenue"] / summary["orders"]).quantize(
            Decimal("0.01")
        )
        if summary["x"]:
            assert score.mean_interval_days == pytest.approx(summary["t_x"] / summary["x"])
        else:
            assert score.mean_interval_days is None
        assert score.reference_interval_days == pytest.approx(store, rel=1e-6)
        assert score.churn_alarm is (summary["since"] > 2 * store)
        if score.churn_alarm:
            assert (
                score.churn_alarm_since.toordinal() == summary["last"] + math.floor(2 * store) + 1
            )
        # R: quintile of the share of customers with strictly more days since the last order.
        worse = sum(1 for other in since if other > summary["since"]) / len(since)
        assert score.r_score == 1 + min(4, math.floor(worse * 5))


def test_model_figures_are_the_fitted_models_predictions(scored):
    run, customers, orders = scored
    params = btyd.BGNBDParams(**run.parameters["bgnbd"])
    gg = btyd.GammaGammaParams(**run.parameters["gammagamma"])

    for customer, history in list(zip(customers, orders, strict=True))[:40]:
        s = expected_summary(history)
        x, t_x, age = (np.array([float(s[k])]) for k in ("x", "t_x", "T"))
        score = CustomerScore.objects.get(customer=customer)
        assert score.p_alive == pytest.approx(
            float(btyd.probability_alive(params, x, t_x, age)[0]), abs=1e-6
        )
        assert score.expected_purchases_90 == pytest.approx(
            float(btyd.expected_purchases(params, 90.0, x, t_x, age)[0]), abs=1e-6
        )
        assert score.churn_risk == pytest.approx(
            float(btyd.churn_risk(params, 90.0, x, t_x, age)[0]), abs=1e-6
        )
        if s["x"] > 0:
            # Gamma-Gamma wants the mean value of the repeat purchase days.
            by_day: dict[int, Decimal] = {}
            for days_ago, total in history:
                day = local_day(NOW - timedelta(days=days_ago))
                by_day[day] = by_day.get(day, Decimal(0)) + total
            repeat = [float(v) for d, v in sorted(by_day.items())[1:]]
            value = np.array([sum(repeat) / len(repeat)])
            expected_clv = btyd.clv(params, gg, x, t_x, age, value, months=12)[0]
            assert float(score.clv_12m) == pytest.approx(expected_clv, abs=0.011)
            assert float(score.expected_order_value) == pytest.approx(
                float(btyd.expected_order_value(gg, x, value)[0]), abs=0.011
            )


def test_no_score_holds_nan_or_infinity(scored):
    for values in CustomerScore.objects.values(*FLOAT_FIELDS):
        assert all(v is None or math.isfinite(v) for v in values.values())


def test_calibration_check_covers_the_customers_before_the_holdout(scored):
    run, _, _ = scored
    calibration = run.calibration

    assert calibration["holdout_days"] == 90
    assert sum(bucket["customers"] for bucket in calibration["buckets"]) == calibration["customers"]
    assert calibration["actual_total"] >= 0
    assert calibration["predicted_total"] > 0


def test_a_second_run_updates_rows_and_drops_customers_without_orders(scored, shop):
    _, customers, _ = scored
    gone = customers[0]
    Order.objects.filter(customer=gone).delete()

    second = run_scoring(as_of=NOW)

    assert second.state == RunState.FINISHED
    assert CustomerScore.objects.count() == len(customers) - 1
    assert not CustomerScore.objects.filter(customer=gone).exists()
    assert set(CustomerScore.objects.values_list("scored_at", flat=True)) == {second.started_at}


def test_dashboard_reads_agree_with_the_orders(scored):
    _, customers, orders = scored
    total_orders = sum(len(history) for history in orders)
    total_revenue = sum(total for history in orders for _, total in history)

    months = kpi_series("month")
    assert sum(point.orders for point in months) == total_orders
    assert sum(point.revenue for point in months) == total_revenue
    assert sum(point.new_customers for point in months) == len(customers)
    weeks = kpi_series("week", start=months[-1].period_start)
    assert all(point.period_start >= months[-1].period_start for point in weeks)
    assert KpiRow.objects.filter(period="day").count() > 0

    cohorts = cohort_table(months=36)
    assert sum(row.size for row in cohorts.rows) == len(customers)
    assert all(row.retention[0] == 1.0 for row in cohorts.rows if row.size)

    counts = segment_counts()
    assert sum(counts.values()) == len(customers)
    assert counts == {
        code: CustomerScore.objects.filter(rfm_segment=code).count() for code in counts
    }
    assert sum(b.count for b in churn_risk_histogram(bins=10)) == len(customers)
    assert len(churn_risk_histogram(bins=4)) == 4
    assert (
        sum(b.count for b in clv_histogram(bins=5))
        == CustomerScore.objects.exclude(clv_12m=None).count()
    )
    headline = current_kpis()
    assert headline["customers_scored"] == len(customers)
    assert headline["currency"] == "EUR"


def test_churn_alarms_lists_recent_alarms_most_valuable_first(scored):
    since = timezone.localdate() - timedelta(days=30)
    expected = CustomerScore.objects.filter(churn_alarm=True, churn_alarm_since__gte=since)

    alarms = churn_alarms(limit=500)

    assert len(alarms) == expected.count()
    values = [score.clv_12m for score in alarms]
    assert values == sorted(values, reverse=True)


def test_insight_sentence_reads_like_the_issue(shop):
    orders = histories()
    # Anna: orders 120, 80 and 41 days ago, 39.5 days apart on average.
    orders.append([(120, Decimal("30.00")), (80, Decimal("40.00")), (41, Decimal("50.00"))])
    customers = write_orders(shop, orders)
    run_scoring(as_of=NOW)
    anna = customers[-1]
    score = CustomerScore.objects.get(customer=anna)

    sentence = customer_insight(anna.pk)

    assert sentence.startswith("usually orders every 40 days; last order 41 days ago; ")
    # No backtest has picked a model figure yet: no percentage, the days since the last order.
    assert "%" not in sentence
    expected = f"expected to buy on {score.expected_purchases_90:.1f} days in the next 90 days"
    assert expected in sentence
    assert sentence.endswith(f"predicted value next 12 months €{score.clv_12m:,.2f}")
    assert customer_insight(999_999) is None


def test_insight_sentence_writes_numbers_the_german_way(shop):
    from stammkunde.analytics.insight import insight_sentence

    write_orders(shop, histories())
    run_scoring(as_of=NOW)
    score = CustomerScore.objects.exclude(p_alive=None).order_by("customer_id").first()
    score.p_alive, score.clv_12m, score.expected_purchases_90 = 0.234, 1234.5, 1.3

    with translation.override("de"):
        alive = insight_sentence(score, "bgnbd_p_alive")

    assert "23\u00a0% Wahrscheinlichkeit noch aktiv" in alive
    assert "an 1,3 Tagen" in alive
    assert alive.endswith("1.234,50\u00a0€")


def test_insight_shows_the_percentage_the_backtest_picked(shop):
    from stammkunde.analytics.insight import insight_sentence

    write_orders(shop, histories())
    run_scoring(as_of=NOW)
    score = CustomerScore.objects.exclude(p_alive=None).order_by("customer_id").first()

    risk = insight_sentence(score, "churn_risk")
    alive = insight_sentence(score, "bgnbd_p_alive")

    assert f"{round(score.churn_risk * 100)}% chance of no order in the next 90 days" in risk
    assert "probability still active" not in risk
    assert f"{round(score.p_alive * 100)}% probability still active" in alive


def test_pareto_nbd_is_the_alternative_model(shop):
    write_orders(shop, histories())

    run = run_scoring(model="paretonbd", as_of=NOW)

    assert run.state == RunState.FINISHED
    assert run.model in {"paretonbd", "bgnbd"}
    if run.model == "bgnbd":  # the Pareto/NBD fit failed: BG/NBD took over, and it says so
        assert run.summary["model_status"]["fallback_from"] == "paretonbd"
    if run.model == "paretonbd":
        params = btyd.ParetoNBDParams(**run.parameters["paretonbd"])
        score = CustomerScore.objects.order_by("customer_id").first()
        s = expected_summary(histories()[0])
        expected = btyd.probability_alive(
            params, np.array([s["x"]]), np.array([s["t_x"]]), np.array([s["T"]])
        )[0]
        assert score.p_alive == pytest.approx(float(expected), abs=1e-6)
        assert set(CustomerScore.objects.values_list("model", flat=True)) == {"paretonbd"}


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="unknown model"):
        run_scoring(model="magic")
    assert not ScoringRun.objects.exists()


def test_nightly_job_is_registered_and_runs_the_job(shop):
    from stammkunde.analytics.tasks import score_customers_nightly
    from stammkunde.core.scheduling import registered_jobs

    write_orders(shop, histories(count=30))

    assert "analytics-scoring" in {job.name for job in registered_jobs()}
    run_id = score_customers_nightly.call()
    assert ScoringRun.objects.get(pk=run_id).state == RunState.FINISHED


def test_a_failed_pareto_nbd_fit_falls_back_to_bg_nbd(monkeypatch):
    """What the Pareto/NBD docstring promises: an optimum on the edge ends in BG/NBD."""
    from stammkunde.analytics import scoring

    def on_the_edge(*args, **kwargs):
        raise btyd.ParameterBoundError("Pareto/NBD: the fit ended on the edge")

    monkeypatch.setattr(scoring.btyd, "fit_paretonbd", on_the_edge)
    summaries = [expected_summary(history) for history in histories()]
    x, t_x, age = (np.array([float(s[k]) for s in summaries]) for k in ("x", "t_x", "T"))

    result = scoring.predict(x, t_x, age, np.zeros(x.size), model="paretonbd")

    assert result.model == "bgnbd"
    assert result.fallback_from == "paretonbd"
    assert set(result.parameters) >= {"bgnbd"}
    params = btyd.BGNBDParams(**result.parameters["bgnbd"])
    np.testing.assert_allclose(result.p_alive, btyd.probability_alive(params, x, t_x, age))


def test_a_five_customer_shop_gets_no_model_figures_but_a_reason(shop):
    orders = [[(100, Decimal("20")), (40, Decimal("30")), (5, Decimal("25"))] for _ in range(3)]
    orders += [[(60, Decimal("15"))], [(10, Decimal("50"))]]
    customers = write_orders(shop, orders)

    run = run_scoring(as_of=NOW)

    assert run.model == "rules"
    assert run.summary["model_status"]["reason"] == "too_few_customers"
    assert run.summary["model_status"]["customers"] == 5
    for score in CustomerScore.objects.filter(customer__in=customers):
        assert score.p_alive is None and score.churn_risk is None and score.clv_12m is None
        assert score.expected_purchases_90 is None
    # The rules still work: RFM and the alarm need no model.
    assert CustomerScore.objects.exclude(rfm_segment="").count() == 5


def test_a_fit_on_a_parameter_bound_is_not_shown(monkeypatch):
    from stammkunde.analytics import scoring

    def on_the_bound(*args, **kwargs):
        raise btyd.ParameterBoundError("BG/NBD: the fit ended on a parameter bound (parameter 4).")

    monkeypatch.setattr(scoring.btyd, "fit_bgnbd", on_the_bound)
    summaries = [expected_summary(history) for history in histories()]
    x, t_x, age = (np.array([float(s[k]) for s in summaries]) for k in ("x", "t_x", "T"))

    result = scoring.predict(x, t_x, age, np.zeros(x.size))

    assert (result.model, result.reason) == ("rules", "parameter_bound")
    assert result.p_alive is None and result.clv is None
