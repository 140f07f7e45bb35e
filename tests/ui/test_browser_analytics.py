"""The analytics pages in a real browser: the dashboard draws its charts, and marketing saves
a segment and sees its count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from stammkunde.analytics.services import run_scoring
from tests.factories import PASSWORD, CustomerFactory, OrderFactory, make_staff_user
from tests.ui.test_browser import restore_role_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def scored_shop(transactional_db):
    """Mark from marketing, and 30 customers with a year of orders, scored once."""
    restore_role_groups()
    make_staff_user("mark", role="Marketing")
    now = timezone.now()
    for index in range(30):
        customer = CustomerFactory()
        last = (80 + index % 10) if index % 3 == 0 else (3 + index % 20)
        for number in range(2 + index % 5):
            OrderFactory(
                customer=customer,
                placed_at=now - timedelta(days=last + 35 * number),
                total=Decimal(25 + 15 * ((index + number) % 4)),
            )
    run = run_scoring()
    assert run.state == "finished", run.error
    return run


def log_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "mark")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()


def test_dashboard_draws_its_charts(page: Page, live_server, scored_shop):
    log_in(page, live_server)
    page.locator("nav.mainnav a[href='/analytics/']").click()
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 10
    # Every chart has drawn something: bars, points or heatmap cells.
    for index in range(charts.count()):
        drawn = charts.nth(index).locator("rect, circle, polyline")
        assert drawn.count() > 0, charts.nth(index).inner_html()[:200]
    box = page.locator("#chart-rfm-title").locator("xpath=..").bounding_box()
    assert box and box["width"] > 300
    page.locator("a.button[href='?period=week']").click()
    expect(page).to_have_url(f"{live_server.url}/analytics/?period=week")
    expect(page.locator("svg.chart").first).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 2400})
    page.screenshot(path="/tmp/ui-dashboard.png", full_page=True)


def test_marketing_saves_a_segment_and_sees_its_count(page: Page, live_server, scored_shop):
    from stammkunde.analytics.models import CustomerScore

    expected = CustomerScore.objects.filter(churn_alarm=True).count()
    assert expected > 0
    log_in(page, live_server)
    page.goto(f"{live_server.url}/analytics/segments/add/")
    page.fill("input[name=name]", "Churn-Alarm")
    page.select_option("select[name=churn_alarm]", "yes")
    page.locator("form.segment-form button[type=submit]").click()
    expect(page.locator("[data-testid=segment-count]")).to_have_text(str(expected))
    expect(page.get_by_role("heading", name="Churn-Alarm")).to_be_visible()
    page.screenshot(path="/tmp/ui-segment.png", full_page=True)
