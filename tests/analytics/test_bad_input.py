"""Bad input from issue 5: the job finishes, says what it could not score and why, never NaN."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stammkunde.analytics.chart_queries import churn_risk_histogram, cohort_table
from stammkunde.analytics.insight import customer_insight
from stammkunde.analytics.models import CustomerScore, KpiRow, RunState
from stammkunde.analytics.queries import churn_alarms, current_kpis, kpi_series, segment_counts
from stammkunde.analytics.services import run_scoring, update_settings
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
FLOATS = [
    "p_alive",
    "churn_risk",
    "expected_purchases_30",
    "expected_purchases_90",
    "expected_purchases_365",
    "mean_interval_days",
    "reference_interval_days",
]


def order(shop, customer, days_ago, total="20.00", **fields) -> Order:
    number = f"{customer.pk}-{Order.objects.count()}"
    return Order.objects.create(
        shop=shop,
        external_id=number,
        number=number,
        customer=customer,
        placed_at=NOW - timedelta(days=days_ago),
        total=Decimal(total),
        **fields,
    )


def customer(name: str) -> Customer:
    return Customer.objects.create(email=f"{name}@example.de", first_name=name)


def finished_without_nan():
    run = run_scoring(as_of=NOW)
    assert run.state == RunState.FINISHED, run.error
    for values in CustomerScore.objects.values(*FLOATS):
        assert all(v is None or math.isfinite(v) for v in values.values())
    return run


def test_a_shop_without_orders_finishes_with_nothing_to_show(shop):
    customer("nobody")

    run = finished_without_nan()

    assert (run.customers_scored, run.customers_skipped) == (0, 0)
    assert CustomerScore.objects.count() == 0
    assert kpi_series("month") == []
    assert cohort_table().rows == []
    assert churn_alarms() == []
    assert {b.count for b in churn_risk_histogram()} <= {0}
    assert set(segment_counts().values()) == {0}
    assert current_kpis()["current"] is None


def test_a_single_order_falls_back_to_the_rules(shop):
    anna = customer("anna")
    order(shop, anna, 10)

    run = finished_without_nan()

    score = CustomerScore.objects.get(customer=anna)
    assert run.model == "rules"
    assert run.summary["fit_error"]
    assert (score.model, score.unscored_reason) == ("rules", "")
    assert (score.orders_count, score.recency_days, score.f_score) == (1, 10, 1)
    assert score.rfm_segment  # quintiles of one customer say little, but a segment is set
    assert score.p_alive is None and score.clv_12m is None
    assert score.average_order_value == Decimal("20.00")
    assert customer_insight(anna.pk) == "one order so far; last order 10 days ago"


def test_all_orders_on_one_day_fall_back_to_the_rules(shop):
    people = [customer(f"p{n}") for n in range(5)]
    for person in people:
        order(shop, person, 3)
        order(shop, person, 3, total="5.00")

    run = finished_without_nan()

    assert run.model == "rules"
    assert CustomerScore.objects.filter(model="rules", orders_count=2).count() == 5
    assert set(CustomerScore.objects.values_list("mean_interval_days", flat=True)) == {None}


def test_customers_with_only_returns_have_no_order_value(shop):
    returner = customer("returner")
    order(
        shop,
        returner,
        30,
        total="50.00",
        status=OrderStatus.RETURNED,
        refunded_total=Decimal("50.00"),
    )
    buyer = customer("buyer")
    order(shop, buyer, 30, total="40.00")

    finished_without_nan()

    score = CustomerScore.objects.get(customer=returner)
    assert score.unscored_reason == "no_order_value"
    assert score.total_revenue == 0
    assert score.expected_order_value is None and score.clv_12m is None
    assert customer_insight(returner.pk).endswith("all orders refunded or returned")
    month = kpi_series("month")[-1]
    assert month.return_rate == 0.5


def test_refunds_larger_than_the_order_never_make_revenue_negative(shop):
    overpaid = customer("overpaid")
    order(shop, overpaid, 20, total="10.00", refunded_total=Decimal("25.00"))
    order(shop, overpaid, 5, total="30.00")

    finished_without_nan()

    score = CustomerScore.objects.get(customer=overpaid)
    assert score.total_revenue == Decimal("30.00")
    months = KpiRow.objects.filter(period="month")
    assert sum(row.revenue for row in months.filter(shop=None)) == Decimal("30.00")
    assert sum(row.revenue for row in months.filter(shop=shop)) == Decimal("30.00")


def test_orders_in_a_second_currency_are_marked_until_a_rate_is_set(shop, team_lead):
    euro = [customer(f"e{n}") for n in range(3)]
    for person in euro:
        order(shop, person, 40)
    briton = customer("briton")
    order(shop, briton, 40, total="100.00", currency="GBP")

    finished_without_nan()

    score = CustomerScore.objects.get(customer=briton)
    assert (score.unscored_reason, score.rfm_segment, score.orders_count) == (
        "foreign_currency",
        "",
        0,
    )
    assert customer_insight(briton.pk) == (
        "Not scored: Only orders in a currency without exchange rate."
    )
    assert set(KpiRow.objects.values_list("currency", flat=True)) == {"EUR", "GBP"}
    assert kpi_series("month", currency="GBP")[-1].revenue == Decimal("100.00")

    update_settings(by=team_lead, exchange_rates={"GBP": 1.2})
    finished_without_nan()

    score = CustomerScore.objects.get(customer=briton)
    assert (score.unscored_reason, score.currency, score.total_revenue) == (
        "",
        "EUR",
        Decimal("120.00"),
    )


def test_test_and_cancelled_orders_do_not_count(shop):
    tester = customer("tester")
    order(shop, tester, 10, is_test=True)
    order(shop, tester, 12, status=OrderStatus.CANCELLED)
    real = customer("real")
    order(shop, real, 10, total="15.00")
    order(shop, real, 11, total="999.00", is_test=True)

    run = finished_without_nan()

    assert CustomerScore.objects.get(customer=tester).unscored_reason == "no_counted_orders"
    assert CustomerScore.objects.get(customer=real).total_revenue == Decimal("15.00")
    assert (run.customers_scored, run.customers_skipped) == (1, 1)


def test_future_dates_are_not_counted(shop):
    early = customer("early")
    order(shop, early, -30)
    mixed = customer("mixed")
    order(shop, mixed, 15)
    order(shop, mixed, -3, total="70.00")

    finished_without_nan()

    assert CustomerScore.objects.get(customer=early).unscored_reason == "future_orders"
    score = CustomerScore.objects.get(customer=mixed)
    assert (score.orders_count, score.recency_days, score.total_revenue) == (
        1,
        15,
        Decimal("20.00"),
    )


def test_bad_settings_are_refused_with_a_clear_error(team_lead):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        update_settings(by=team_lead, churn_factor=0.5)
    with pytest.raises(ValueError, match="unknown settings"):
        update_settings(by=team_lead, colour="red")


def test_guest_orders_count_in_the_kpis_but_are_not_scored(shop):
    known = customer("known")
    order(shop, known, 8, total="10.00")
    Order.objects.create(
        shop=shop,
        external_id="guest-1",
        number="guest-1",
        placed_at=NOW - timedelta(days=8),
        total=Decimal("25.00"),
    )

    run = finished_without_nan()

    assert run.customers_scored == 1
    month = [point for point in kpi_series("month") if point.orders][-1]
    assert (month.orders, month.revenue, month.new_customers) == (2, Decimal("35.00"), 2)
    assert sum(row.size for row in cohort_table().rows) == 1
