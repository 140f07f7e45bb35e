"""How the dashboard says it: every tile names its period and month (the same as the start page),
plain words at the top instead of statistics, a small shop told there is not enough data yet,
and the German page in German.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.services import run_scoring
from tests.factories import OrderFactory
from tests.ui.dashboard_history import DASHBOARD, months_back, shop_history

pytestmark = pytest.mark.usefixtures("english_pages")


def test_start_page_and_dashboard_show_the_same_month_with_its_name(client, marketer):
    # Orders in the last complete month and in the current one; the scoring job aggregates them.
    first_of_month = timezone.localdate().replace(day=1)
    last_month = months_back(first_of_month, 1)
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
