"""The dashboard's backtest: its latest verdict, a rerun by a team lead (with the permission and a
known kind only), and the queued run shown once it ran.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import ScoringRun
from stammkunde.analytics.services import run_scoring
from tests.ui.dashboard_history import DASHBOARD, shop_history

pytestmark = pytest.mark.usefixtures("english_pages")


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
