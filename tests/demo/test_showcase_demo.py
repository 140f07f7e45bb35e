"""A newcomer's first clicks in the demo: no page opens empty (issue 15)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.html import escape

from stammkunde.analytics.models import Goal, Segment
from stammkunde.analytics.services import run_scoring
from stammkunde.connectors.models import WebhookDelivery
from stammkunde.customers.duplicates import duplicate_groups
from stammkunde.customers.models import Customer
from stammkunde.demo.cases import ensure_cases_demo
from stammkunde.demo.messages import ensure_messaging_demo
from stammkunde.demo.showcase import CONNECTED_SHOP_NAME, SEGMENTS, ensure_showcase_demo
from stammkunde.demo.staff import ensure_demo_staff
from stammkunde.demo.writer import generate_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_demo(db):
    ensure_demo_staff("geheim-demo-1")
    generate_demo(customers=120, seed=5)
    run_scoring()
    ensure_cases_demo(count=8)
    ensure_messaging_demo(count=30)
    written = ensure_showcase_demo()
    return written


def test_the_showcase_is_written_once_through_the_apps(small_demo):
    assert small_demo["segments"] == len(SEGMENTS)
    assert Segment.objects.count() == len(SEGMENTS)
    assert Goal.objects.count() == small_demo["goals"] == 3
    processed = WebhookDelivery.objects.filter(shop__name=CONNECTED_SHOP_NAME, state="processed")
    assert processed.count() >= 12
    assert WebhookDelivery.objects.filter(state="rejected").count() == 1
    assert duplicate_groups(), "two of the shop's customers are people the demo knows already"
    assert ensure_showcase_demo() is None
    assert Segment.objects.count() == len(SEGMENTS)


# What each page shows once the demo is in: a word of its content, not of its empty state.
PAGES = [
    ("ui:segment-list", "Stammkunden halten"),
    ("ui:goals", "Average basket value"),
    ("ui:dashboard", "Average basket value"),
    ("ui:shop-list", CONNECTED_SHOP_NAME),
    ("ui:inbox", "customer.upserted"),
    ("ui:outbox-list", "@"),
]


def test_no_page_a_newcomer_opens_is_empty(client, small_demo):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(User.objects.filter(is_superuser=True).get())
    for url_name, expected in PAGES:
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert expected in response.content.decode(), url_name
    # The duplicate list suggests the people the connected shop brought in a second time.
    (group, *_rest) = duplicate_groups()
    person = Customer.objects.get(pk=group.customer_ids[0])
    html = client.get(reverse("ui:duplicate-list")).content.decode()
    assert escape(person.last_name) in html
    # An agent's own queue ("mine", the default tab) has cases.
    client.force_login(User.objects.get(username="anna"))
    assert "VG-" in client.get(reverse("ui:case-queue")).content.decode()
