"""Goals: targets per key figure, progress against the last complete month, and the page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.goals import GoalError, clean_target, goal_progress, set_goal
from stammkunde.analytics.models import Goal, KpiRow, ScoringRun

GOALS = reverse("ui:goals")


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def month_start(months_back: int) -> date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def last_month(db):
    """Last month: 200 orders worth 9,000 EUR from 160 customers, 40 new, 90 repeat orders."""
    now = timezone.now()
    for months_back, orders, revenue in ((2, 100, "4000"), (1, 200, "9000")):
        KpiRow.objects.create(
            period="month",
            period_start=month_start(months_back),
            currency="EUR",
            revenue=Decimal(revenue),
            orders=orders,
            customers=160,
            new_customers=40,
            returning_customers=120,
            repeat_orders=90,
            returned_orders=10,
            computed_at=now,
        )
    ScoringRun.objects.create(started_at=now, finished_at=now, state="finished")


@pytest.mark.parametrize(
    ("kpi", "raw", "expected"),
    [
        ("average_order_value", "49,90", Decimal("49.9")),
        ("repeat_rate", "35", Decimal("35")),
        ("new_customers", 120, Decimal("120")),
    ],
)
def test_targets_are_parsed(kpi, raw, expected):
    assert clean_target(kpi, raw) == expected


@pytest.mark.parametrize(
    ("kpi", "raw", "message"),
    [
        ("repeat_rate", "120", "at most 100"),
        ("average_order_value", "-5", "zero or more"),
        ("average_order_value", "NaN", "zero or more"),
        ("average_order_value", "viel", "must be a number"),
        ("happiness", "5", "Unknown key figure"),
    ],
)
def test_bad_targets_are_refused(kpi, raw, message):
    with pytest.raises(GoalError, match=message):
        clean_target(kpi, raw)


def test_progress_uses_the_last_complete_month(last_month, team_lead):
    set_goal(kpi="average_order_value", target="50", by=team_lead)
    set_goal(kpi="repeat_rate", target="40", by=team_lead)
    set_goal(kpi="new_customers", target="50", by=team_lead)
    set_goal(kpi="purchase_frequency", target="1.25", by=team_lead)
    set_goal(kpi="review_rate", target="10", by=team_lead)
    progress = {goal.kpi: goal for goal in goal_progress()}

    aov = progress["average_order_value"]
    assert aov.actual == Decimal("45.00")  # 9000 / 200
    assert aov.share == pytest.approx(0.9)
    assert aov.reached is False
    assert progress["repeat_rate"].actual == Decimal("45.0")  # 90 of 200 orders, in percent
    assert progress["repeat_rate"].reached is True
    assert progress["repeat_rate"].bar_percent == 100
    assert progress["new_customers"].actual == 40
    assert progress["purchase_frequency"].actual == Decimal("1.25")  # 200 orders / 160
    assert progress["purchase_frequency"].reached is True
    review = progress["review_rate"]
    assert review.has_data is False
    assert review.share is None
    assert review.bar_percent == 0


def test_setting_a_goal_again_replaces_it(db, team_lead):
    set_goal(kpi="repeat_rate", target="30", by=team_lead)
    set_goal(kpi="repeat_rate", target="35", by=team_lead)
    assert Goal.objects.get().target == Decimal("35")


def test_team_lead_sets_goals_on_the_page(client, team_lead, last_month):
    client.force_login(team_lead)
    response = client.post(
        GOALS, {"average_order_value": "50", "repeat_rate": "40", "review_rate": ""}, follow=True
    )
    assert response.status_code == 200
    assert "The goals were saved." in response.content.decode()
    assert {goal.kpi: goal.target for goal in Goal.objects.all()} == {
        "average_order_value": Decimal("50"),
        "repeat_rate": Decimal("40"),
    }
    assert Goal.objects.get(kpi="repeat_rate").set_by == team_lead
    # An emptied field removes the goal.
    client.post(GOALS, {"average_order_value": "50"})
    assert list(Goal.objects.values_list("kpi", flat=True)) == ["average_order_value"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("repeat_rate", "150", "less than or equal to 100"),
        ("average_order_value", "abc", "Enter a number"),
        ("new_customers", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_goal_input_shows_form_errors(client, team_lead, db, field, value, message):
    client.force_login(team_lead)
    response = client.post(GOALS, {field: value})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Goal.objects.exists()


def test_marketing_sees_goals_but_cannot_set_them(client, marketer, db):
    client.force_login(marketer)
    response = client.get(GOALS)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert client.post(GOALS, {"repeat_rate": "40"}).status_code == 403
    assert not Goal.objects.exists()


def test_agent_cannot_open_goals(client, agent):
    client.force_login(agent)
    assert client.get(GOALS).status_code == 403
