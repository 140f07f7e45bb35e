"""The analytics dashboard: permissions, the empty shop, charts after a real scoring run,
warnings and a page cost that does not grow with the number of customers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import KpiRow, ScoringRun
from stammkunde.analytics.services import run_scoring
from tests.factories import CustomerFactory, OrderFactory, make_staff_user

DASHBOARD = reverse("ui:dashboard")


@pytest.fixture(autouse=True)
def english_pages(client):
    """The pages in English, so the assertions can read them (the default language is German)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def admin_user(db):
    return make_staff_user("ada", role="Admin")


def shop_history(customers: int, *, offset_days: int = 0) -> None:
    """Customers who order about every 30 days; every third stopped two to three months ago
    (so their churn alarm went off within the last month)."""
    now = timezone.now()
    for index in range(customers):
        customer = CustomerFactory()
        last = (75 + index % 10) if index % 3 == 0 else (2 + index % 20)
        for number in range(2 + index % 6):
            OrderFactory(
                customer=customer,
                placed_at=now - timedelta(days=offset_days + last + 30 * number + index % 4),
                total=Decimal(20 + 10 * ((index + number) % 5)),
            )


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
    assert len(large.captured_queries) == len(small.captured_queries) <= 30
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
        spike = month == _months_back(today, 1)
        revenue = Decimal(3000 if spike else 1000 + 10 * (index % 4))
        KpiRow.objects.create(
            period="month", period_start=month, currency="EUR", revenue=revenue,
            orders=100, customers=80, new_customers=30, returning_customers=50,
            repeat_orders=60, returned_orders=5, computed_at=now,
        )  # fmt: skip
        month = _months_back(month, -1)
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


def _months_back(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


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


def test_latest_backtest_verdict_is_shown(client, marketer):
    """A backtest on a synthetic shop: regular buyers keep buying, lapsed ones stay away."""
    import json

    import numpy as np

    from stammkunde.analytics.backtest import run_backtest

    rng = np.random.default_rng(7)
    customers, times = [], []
    for customer in range(300):
        gap = rng.uniform(10, 40)
        stops = rng.uniform(0, 400) if customer % 2 else 10_000
        day = rng.uniform(0, 60)
        while day < min(stops, 400):
            customers.append(customer)
            times.append(day)
            day += rng.exponential(gap)
    result = run_backtest(np.array(customers), np.array(times), 300.0, 400.0)
    now = timezone.now()
    ScoringRun.objects.create(started_at=now, finished_at=now, state="finished")
    ScoringRun.objects.create(
        kind="backtest",
        started_at=now,
        finished_at=now,
        state="finished",
        backtest=json.loads(json.dumps(result.to_dict(), default=str)),
    )
    client.force_login(marketer)
    html = client.get(DASHBOARD).content.decode()
    assert result.verdict in html.replace("&#x27;", "'")
    for signal in result.signals:
        assert signal.label in html


def test_a_team_lead_reruns_the_backtest_from_the_dashboard(
    client, team_lead, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    shop_history(12)
    run_scoring()
    client.force_login(team_lead)
    assert "Run the backtest again" in client.get(reverse("ui:dashboard")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ui:analytics-run"), {"kind": "backtest"})

    assert response.status_code == 302
    queued = DBTaskResult.objects.filter(task_path__endswith="run_analysis_now")
    assert [task.args_kwargs["args"] for task in queued] == [["backtest"]]


def test_running_analyses_needs_the_permission_and_a_known_kind(
    client, marketer, team_lead, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    shop_history(12)
    run_scoring()
    client.force_login(marketer)
    assert "Run the backtest again" not in client.get(reverse("ui:dashboard")).content.decode()
    assert client.post(reverse("ui:analytics-run"), {"kind": "scoring"}).status_code == 403

    client.force_login(team_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ui:analytics-run"), {"kind": "drop tables"}, follow=True)
    assert "Choose the scoring job or the churn backtest." in response.content.decode()
    assert client.get(reverse("ui:analytics-run")).status_code == 405
    assert not DBTaskResult.objects.filter(task_path__endswith="run_analysis_now").exists()


def test_the_queued_backtest_runs_and_is_shown(client, team_lead):
    from stammkunde.analytics.tasks import run_analysis_now

    shop_history(60)
    run_scoring()
    run_analysis_now.call("backtest")

    client.force_login(team_lead)
    html = client.get(reverse("ui:dashboard")).content.decode()
    assert "Backtest of" in html


def test_start_page_and_dashboard_show_the_same_month_with_its_name(client, marketer):
    # Orders in the last complete month and in the current one; the scoring job aggregates them.
    first_of_month = timezone.localdate().replace(day=1)
    last_month = _months_back(first_of_month, 1)
    for amount in ("120.00", "80.50"):
        OrderFactory(
            placed_at=timezone.make_aware(
                datetime.combine(last_month + timedelta(days=9), time(12))
            ),
            total=Decimal(amount),
        )
    OrderFactory(placed_at=timezone.now(), total=Decimal("999.00"))
    run_scoring()
    client.force_login(marketer)

    dashboard = client.get(DASHBOARD, {"period": "month"})
    home = client.get(reverse("ui:home"))

    month_name = last_month.strftime("%B %Y")  # English page, English month name
    on_dashboard = next(f for f in dashboard.context["figures"] if f.kpi == "revenue")
    on_home = next(f for f in home.context["home_figures"] if f.kpi == "revenue")
    assert on_dashboard.value == on_home.value == Decimal("200.50")
    assert on_dashboard.period_label == on_home.period_label == month_name
    assert month_name in dashboard.content.decode()
    assert month_name in home.content.decode()
    # The unfinished month's 999 € is not on either page's tiles.
    assert "999.00" not in home.content.decode()


def test_every_dashboard_tile_names_its_period(client, marketer):
    shop_history(12)
    run_scoring()
    client.force_login(marketer)
    response = client.get(DASHBOARD, {"period": "week"})
    figures = response.context["figures"]
    assert figures
    # A week is named by its first and last day.
    assert all(figure.period_label == figures[0].period_label for figure in figures)
    assert "\u2013" in figures[0].period_label
    html = response.content.decode()
    assert html.count('class="figure-period') == len(figures)


STATISTICS_WORDS = ("AUC", "P(alive)", "BG/NBD", "Pareto", "probability", "Gamma")


def test_the_top_of_the_dashboard_speaks_plain_words(client, marketer):
    from stammkunde.analytics.models import CustomerScore

    shop_history(75)
    run = run_scoring()
    assert run.state == "finished", run.error
    client.force_login(marketer)
    html = client.get(DASHBOARD).content.decode()

    top, details = html.split('id="analytics-details"', 1)
    summary = top.split('id="churn-summary"', 1)[1].split("</section>", 1)[0]
    for word in STATISTICS_WORDS:
        assert word not in top, word
    assert "AUC" in details or "No churn backtest has been run yet" in details
    # How many are at risk, what they bought, what to do: from the stored score rows.
    alarmed = CustomerScore.objects.filter(churn_alarm=True)
    count = alarmed.count()
    assert count > 0  # every third customer stopped ordering months ago
    store_days = run.parameters["store_interval_days"]
    assert (
        f"{count} customers have not ordered for more than {int(2 * store_days)} days, although "
        f"your customers usually order again after {round(store_days)} days."
    ) in summary
    bought = sum(score.total_revenue for score in alarmed)
    bought_text = summary.split("They have bought for", 1)[1].split("so far", 1)[0]
    assert f"{bought:,.2f}" in bought_text and "€" in bought_text
    assert "What to do: contact them personally" in summary
    assert "Churn rate" in summary
    assert "Predicted value of all customers, next 12 months" in summary
    assert "Predicted value per customer, next 12 months" in summary


def test_a_small_shop_is_told_there_is_not_enough_data_yet(client, marketer, agent):
    from stammkunde.analytics.models import CustomerScore

    shop_history(5)
    run = run_scoring()
    assert run.model == "rules"
    client.force_login(marketer)
    html = client.get(DASHBOARD).content.decode()

    assert "Predictions: not enough data yet." in html
    assert "Only 5 customers have ordered; predictions need at least 50." in html
    summary = html.split('id="churn-summary"', 1)[1].split("</section>", 1)[0]
    assert "If they stay, they are expected to bring" not in summary
    assert not CustomerScore.objects.exclude(p_alive=None).exists()

    client.force_login(agent)
    customer_id = CustomerScore.objects.values_list("customer_id", flat=True).first()
    page = client.get(reverse("ui:customer-detail", args=[customer_id])).content.decode()
    assert "Predictions: not enough data yet." in page
    assert "Churn risk" not in page.split('id="customer-insight"', 1)[1].split("</section>", 1)[0]


def test_the_german_dashboard_says_it_in_german(client, marketer):
    shop_history(5)
    run_scoring()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(marketer)
    html = client.get(DASHBOARD).content.decode()

    summary = html.split('id="churn-summary"', 1)[1].split("</section>", 1)[0]
    assert "Vorhersagen: noch nicht genug Daten." in summary
    assert "Abwanderungsquote" in summary
    for english in ("Churn rate", "not enough data", "What to do", "have ordered"):
        assert english not in summary
