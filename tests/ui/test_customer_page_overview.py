"""The customer page for a good customer (issue 15): every order reachable, the timeline
filtered by kind and folded by order, and a summary box that does not contradict itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.models import CustomerScore, RunKind, RunState, ScoringRun
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.queries import key_figures
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regular(db):
    customer = create_customer(by=None, email="s@example.de", first_name="Sina", last_name="Star")
    now = timezone.now()
    for index in range(25):
        OrderFactory(
            customer=customer,
            number=f"5{index:05d}",
            placed_at=now - timedelta(days=10 * (index + 1)),
        )
    return customer


def _page(client, user, customer, **query):
    client.force_login(user)
    response = client.get(
        reverse("ui:customer-detail", args=[customer.pk]), query, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_order_box_says_how_many_and_pages_to_the_oldest(client, agent, regular):
    html = _page(client, agent, regular)
    assert "25 orders in all, 20 on this page" in html
    assert "500000" in html and "500019" in html and "500020" not in html
    assert "orders_page=2" in html
    older = _page(client, agent, regular, orders_page=2)
    assert "500020" in older and "500024" in older and "500019" not in older
    assert "orders_page=1" in older


def test_the_timeline_is_filtered_by_kind(client, agent, regular):
    add_note(regular, by=agent, text="Möchte keine Anrufe")
    record_activity(
        customer_id=regular.pk, kind=ActivityKind.ORDER_PLACED, params={"number": "900001"}
    )
    contacts = _page(client, agent, regular, kind="contacts")
    assert "Möchte keine Anrufe" in contacts and "Order 900001 placed" not in contacts
    orders = _page(client, agent, regular, kind="orders")
    assert "Order 900001 placed" in orders and "Möchte keine Anrufe" not in orders
    # An unknown filter shows everything instead of failing.
    everything = _page(client, agent, regular, kind="nonsense")
    assert "Möchte keine Anrufe" in everything and "Order 900001 placed" in everything


def test_an_orders_entries_are_folded_into_one_line(client, agent, regular):
    now = timezone.now()
    for kind, hours in (
        (ActivityKind.ORDER_PLACED, 30),
        (ActivityKind.ORDER_SHIPPED, 20),
        (ActivityKind.ORDER_DELIVERED, 10),
    ):
        record_activity(
            customer_id=regular.pk,
            kind=kind,
            params={"number": "777111"},
            occurred_at=now - timedelta(hours=hours),
        )
    html = _page(client, agent, regular, kind="orders")
    assert html.count('class="entry kind-order_delivered"') == 1
    assert 'class="entry kind-order_placed"' not in html
    assert "2 earlier entries of this order" in html
    assert "Order 777111 placed" in html  # inside the fold, one click away


def test_days_since_the_last_order_are_calendar_days_as_the_scoring_counts(agent):
    customer = create_customer(by=None, email="n@example.de", last_name="Nacht")
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    # Late yesterday evening, local time: fewer than 24 hours ago, yet one calendar day.
    late = datetime.combine(today - timedelta(days=1), datetime.max.time(), zone).replace(
        microsecond=0
    )
    OrderFactory(customer=customer, placed_at=late)
    assert key_figures(customer.pk).days_since_last_order == 1


def test_the_insight_counts_recency_to_today_like_the_key_figures(client, agent, regular):
    # Scored three days ago, when the last order was 7 days old: today it is 10 days old.
    CustomerScore.objects.create(
        customer=regular,
        scored_at=timezone.now() - timedelta(days=3),
        currency="EUR",
        orders_count=25,
        recency_days=7,
        rfm_segment="loyal",
        churn_risk=0.87,
    )
    html = _page(client, agent, regular)
    assert "last order 10 days ago" in html
    assert "Last order, 10 days ago" in html
    assert "last order 7 days ago" not in html


def _pick_shown_signal(signal):
    # What a finished backtest leaves behind: its pick of the signal the product shows.
    ScoringRun.objects.create(
        kind=RunKind.BACKTEST,
        state=RunState.FINISHED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        backtest={"shown_signal": signal},
    )


def _loyal_score(customer, **figures):
    return CustomerScore.objects.create(
        customer=customer,
        scored_at=timezone.now(),
        currency="EUR",
        orders_count=25,
        recency_days=10,
        rfm_segment="loyal",
        **figures,
    )


def test_loyal_beside_a_shown_high_risk_is_qualified(client, agent, regular):
    _pick_shown_signal("churn_risk")
    _loyal_score(regular, churn_risk=0.87)
    html = _page(client, agent, regular)
    assert "87 %" in html or "87%" in html
    # "Loyal" beside 87 % churn risk is qualified, not shown as a plain good label.
    assert "by past orders, now at risk" in html


def test_a_risk_the_page_does_not_show_leaves_the_segment_plain(client, agent, regular):
    # No backtest picked a model: the page shows days since the last order and the alarm.
    _loyal_score(regular, churn_risk=0.87, churn_alarm=False)
    html = _page(client, agent, regular)
    assert "87" not in html.split('id="customer-insight"')[1].split("</section>")[0]
    assert "now at risk" not in html


def test_with_days_since_shown_the_alarm_qualifies_the_segment(client, agent, regular):
    _loyal_score(regular, churn_risk=0.2, churn_alarm=True)
    html = _page(client, agent, regular)
    assert "by past orders, now at risk" in html


def test_a_shown_low_p_alive_qualifies_the_segment(client, agent, regular):
    _pick_shown_signal("paretonbd_p_alive")
    _loyal_score(regular, p_alive=0.3, churn_risk=0.1)
    html = _page(client, agent, regular)
    assert "by past orders, now at risk" in html


def test_a_good_segment_with_a_low_risk_stays_plain(client, agent, regular):
    CustomerScore.objects.create(
        customer=regular,
        scored_at=timezone.now(),
        currency="EUR",
        orders_count=25,
        recency_days=10,
        rfm_segment="loyal",
        churn_risk=0.1,
    )
    html = _page(client, agent, regular)
    assert "now at risk" not in html


def test_the_timeline_can_be_shown_flat(client, agent, regular):
    now = timezone.now()
    for kind, hours in ((ActivityKind.ORDER_PLACED, 30), (ActivityKind.ORDER_SHIPPED, 20)):
        record_activity(
            customer_id=regular.pk,
            kind=kind,
            params={"number": "777222"},
            occurred_at=now - timedelta(hours=hours),
        )
    folded = _page(client, agent, regular, kind="orders")
    assert 'class="entry kind-order_placed"' not in folded
    assert 'id="timeline-flat"' in folded and "view=flat" in folded
    flat = _page(client, agent, regular, kind="orders", view="flat")
    assert flat.count('class="entry kind-order_shipped"') == 1
    assert flat.count('class="entry kind-order_placed"') == 1
    assert "earlier entries of this order" not in flat
    assert 'id="timeline-fold"' in flat


def test_load_more_never_repeats_an_order_of_the_first_page(client, agent, regular):
    from stammkunde.ui.customers.views import TIMELINE_PAGE_SIZE

    for index in range(TIMELINE_PAGE_SIZE + 5):
        add_note(regular, by=agent, text=f"Notiz {index}")
    # Delivered now, on top of the first page; placed long ago, behind more than a page.
    record_activity(
        customer_id=regular.pk,
        kind=ActivityKind.ORDER_DELIVERED,
        params={"number": "888333"},
        occurred_at=timezone.now(),
    )
    record_activity(
        customer_id=regular.pk,
        kind=ActivityKind.ORDER_PLACED,
        params={"number": "888333"},
        occurred_at=timezone.now() - timedelta(days=400),
    )
    first = _page(client, agent, regular)
    assert "Order 888333 placed" in first  # folded under the delivery, though pages away
    cursor = first.split("before=")[1].split("&")[0].split('"')[0]
    response = client.get(
        reverse("ui:customer-timeline", args=[regular.pk]),
        {"before": unquote(cursor)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    second = response.content.decode()
    assert "Notiz 0" in second and "888333" not in second


@pytest.mark.parametrize("signal", ["churn_risk", "no_such_signal", None])
def test_the_shown_signal_read_alone_is_the_latest_backtests_pick(signal):
    """shown_churn_signal() reads only the pick; the same as from the whole run."""
    from stammkunde.analytics.queries import latest_backtest, shown_churn_signal

    assert shown_churn_signal() == "days_since_last"  # no backtest yet
    _pick_shown_signal("paretonbd_p_alive")
    _pick_shown_signal(signal)  # the newest counts
    expected = "churn_risk" if signal == "churn_risk" else "days_since_last"
    assert shown_churn_signal() == shown_churn_signal(latest_backtest()) == expected
