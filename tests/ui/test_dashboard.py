"""The analytics dashboard: permissions, the empty shop, charts after a real scoring run,
warnings and a page cost that does not grow with the number of customers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import KpiRow, ScoringRun
from stammkunde.analytics.services import run_scoring
from tests.factories import CustomerFactory, OrderFactory, make_staff_user
from tests.ui.dashboard_history import DASHBOARD, months_back, shop_history

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def admin_user(db):
    return make_staff_user("ada", role="Admin")


def test_anonymous_goes_to_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("ui:login") in response["Location"]


def test_service_agent_may_not_see_the_dashboard(client, agent):
    client.force_login(agent)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("ui:segment-list")).status_code == 403


def test_empty_shop_shows_a_friendly_empty_state(client, marketer):
    client.force_login(marketer)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "No analysis yet" in response.content.decode()
    assert response.context["has_data"] is False


@pytest.mark.parametrize("period", ["day", "week", "month", "", "year", "<script>"])
def test_any_period_parameter_renders(client, marketer, period):
    client.force_login(marketer)
    response = client.get(DASHBOARD, {"period": period})
    assert response.status_code == 200
    assert response.context["period"] == (period if period in ("day", "week", "month") else "month")


def test_dashboard_shows_every_chart_after_a_scoring_run(client, marketer):
    shop_history(40)
    run = run_scoring()
    assert run.state == "finished", run.error
    client.force_login(marketer)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r'<title id="[^"]+-title">([^<]+)</title>', html)
    for expected in (
        "Revenue (EUR)",
        "Orders",
        "Average basket value (EUR)",
        "Orders per customer",
        "Repeat-purchase rate",
        "New and returning customers",
        "Customers per RFM segment",
        "Cohort retention",
        "Churn risk",
        "Predicted value, next 12 months (EUR)",
    ):
        assert expected in titles
    # One plain sentence per chart, for the reader and the screen reader.
    descriptions = re.findall(r'<desc id="[^"]+">([^<]+)</desc>', html)
    assert len(descriptions) == len(re.findall(r"<svg ", html))
    assert all(text.count(". ") == 0 and text.endswith(".") for text in descriptions)
    assert "<script" not in html.split("</head>", 1)[1]  # no chart library in the page body
    # RFM sizes add up to the customers the run scored with a segment.
    run.refresh_from_db()
    shown = sum(response.context["run"].summary["segments"].values())
    assert shown == sum(run.summary["segments"].values()) > 0


def test_churn_alarms_link_to_the_customer_360(client, admin_user):
    shop_history(30)
    run_scoring()
    client.force_login(admin_user)
    response = client.get(DASHBOARD)
    alarms = response.context["alarms"]
    assert alarms  # every third customer stopped ordering long ago
    values = [score.clv_12m or Decimal(0) for score in alarms]
    assert values == sorted(values, reverse=True)
    for score in alarms:
        assert reverse("ui:customer-detail", args=[score.customer_id]) in response.content.decode()


def test_page_cost_does_not_grow_with_the_number_of_customers(client, marketer):
    shop_history(10)
    run_scoring()
    client.force_login(marketer)
    client.get(DASHBOARD)  # warm caches (session, content types)
    cache.clear()  # the figures computed anew both times (analytics.figures_cache)
    with CaptureQueriesContext(connection) as small:
        client.get(DASHBOARD)
    shop_history(60, offset_days=40)
    run_scoring()
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        client.get(DASHBOARD)
    # 21 with a SQLite test database: the fixed queries of every page (3) and one read each
    # of the latest run, the latest backtest and the stored figures' fingerprint.
    assert len(large.captured_queries) == len(small.captured_queries) <= 21
    # And no query reads the orders table.
    assert not any('"shop_order"' in query["sql"] for query in large.captured_queries)


def charts_of(response) -> list[str]:
    return [str(chart.svg) for chart in response.context["time_charts"]]


def test_figures_are_computed_once_until_the_job_stores_new_ones(client, marketer):
    shop_history(10)
    run_scoring()
    client.force_login(marketer)
    first = client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as again:
        second = client.get(DASHBOARD)
    # Kept: no KPI rows, cohort cells or histograms read again, the same charts shown.
    assert not any('"analytics_kpirow"."period_start"' in q["sql"] for q in again.captured_queries)
    assert not any(
        "analytics_cohortcell" in q["sql"] and "cohort_month" in q["sql"]
        for q in again.captured_queries
    )
    assert charts_of(second) == charts_of(first)
    # A new run with more orders: the page shows its figures, not the kept ones.
    shop_history(60, offset_days=40)
    run_scoring()
    third = client.get(DASHBOARD)
    assert charts_of(third) != charts_of(first)
    cache.clear()
    assert charts_of(third) == charts_of(client.get(DASHBOARD))


def test_unusual_change_is_shown_as_a_warning(client, marketer):
    """24 calm months, then a month with three times the usual revenue."""
    today = timezone.localdate()
    first = date(today.year - 3, today.month, 1)
    month = first
    index = 0
    now = timezone.now()
    while month < date(today.year, today.month, 1):
        spike = month == months_back(today, 1)
        revenue = Decimal(3000 if spike else 1000 + 10 * (index % 4))
        KpiRow.objects.create(
            period="month", period_start=month, currency="EUR", revenue=revenue,
            orders=100, customers=80, new_customers=30, returning_customers=50,
            repeat_orders=60, returned_orders=5, computed_at=now,
        )  # fmt: skip
        month = months_back(month, -1)
        index += 1
    ScoringRun.objects.create(started_at=now, finished_at=now, state="finished", summary={})
    client.force_login(marketer)
    response = client.get(DASHBOARD, {"period": "month"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unusual changes" in html
    assert "Revenue rose by" in html
    revenue = next(f for f in response.context["figures"] if f.kpi == "revenue")
    assert revenue.value == Decimal("3000.00")
    # The month before the spike was one of the calm months (1000..1030).
    assert 1.9 < revenue.change < 2.0


def test_team_lead_sees_goals_on_the_dashboard(client, team_lead):
    from stammkunde.analytics.goals import set_goal

    set_goal(kpi="average_order_value", target="60", by=team_lead)
    client.force_login(team_lead)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert [goal.kpi for goal in response.context["goals"]] == ["average_order_value"]
    assert "Average basket value" in response.content.decode()


def test_agent_sees_the_insight_panel_on_the_customer_page(client, agent):
    from stammkunde.analytics.insight import customer_insight
    from stammkunde.analytics.recommendations import refresh_product_affinities
    from stammkunde.shop.models import Product
    from tests.factories import OrderLineFactory

    shop_history(12)
    run_scoring()
    customer = CustomerFactory(first_name="Jürgen")
    order = OrderFactory(customer=customer, placed_at=timezone.now() - timedelta(days=3))
    beans = Product.objects.create(shop=order.shop, sku="B", name="Espresso beans")
    grinder = Product.objects.create(shop=order.shop, sku="G", name="Hand grinder")
    OrderLineFactory(order=order, product=beans)
    for _ in range(2):
        other = OrderFactory(customer=CustomerFactory())
        OrderLineFactory(order=other, product=beans, line_number=1)
        OrderLineFactory(order=other, product=grinder, line_number=2)
    run_scoring()
    refresh_product_affinities()

    client.force_login(agent)
    response = client.get(reverse("ui:customer-detail", args=[customer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="customer-insight"' in html
    sentence = customer_insight(customer.pk)
    assert sentence and "last order 3 days ago" in sentence
    assert sentence in html
    assert "Hand grinder" in html  # the one product bought with the beans
    assert "Espresso beans</li>" not in html  # never what the customer already owns


def test_customer_never_scored_gets_a_calm_note(client, agent):
    customer = CustomerFactory()
    client.force_login(agent)
    html = client.get(reverse("ui:customer-detail", args=[customer.pk])).content.decode()
    assert "Not scored yet" in html
