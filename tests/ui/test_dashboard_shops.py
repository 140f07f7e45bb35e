"""The dashboard and the start page per shop (issue 12): staff limited to shops see the figures
of their shops, summed where they have several; unlimited staff choose all shops or one.

Every expected number is worked out here by hand from the orders the tests create.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from stammkunde.analytics.services import run_scoring
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Platform, Shop
from stammkunde.shop.services import limit_staff_to_shops
from tests.factories import OrderFactory, make_staff_user
from tests.ui.dashboard_history import DASHBOARD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

HOME = reverse("ui:home")


def _last_month_day(day: int) -> datetime:
    first_of_month = timezone.localdate().replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).replace(day=day)
    return timezone.make_aware(datetime.combine(last_month, time(12)))


@pytest.fixture
def three_shops(db):
    """Last month: in shop A Alma paid 100.00 and 50.00, Clara 30.00; in shop B Bruno paid
    200.00 and Clara 10.00; in shop C Dora paid 1000.00. Then the nightly job ran."""
    shops = {
        key: Shop.objects.create(name=name, slug=key, platform=Platform.CSV)
        for key, name in (("a", "Kaffee"), ("b", "Tee"), ("c", "Kakao"))
    }
    people = {
        name: create_customer(by=None, email=f"{name}@example.de", first_name=name.title())
        for name in ("alma", "bruno", "clara", "dora")
    }
    for shop, person, day, total in (
        ("a", "alma", 10, "100.00"),
        ("a", "alma", 12, "50.00"),
        ("a", "clara", 11, "30.00"),
        ("b", "bruno", 10, "200.00"),
        ("b", "clara", 13, "10.00"),
        ("c", "dora", 10, "1000.00"),
    ):
        OrderFactory(
            shop=shops[shop],
            customer=people[person],
            placed_at=_last_month_day(day),
            total=Decimal(total),
            subtotal=Decimal(total),
        )
    run = run_scoring()
    assert run.state == "finished", run.error
    return shops


def _lead(name: str, *shops: Shop):
    lead = make_staff_user(name, role="Team lead")
    if shops:
        limit_staff_to_shops(lead, [shop.pk for shop in shops], by=None)
    return lead


def _figures(response, key: str = "figures") -> dict:
    assert response.status_code == 200
    return {figure.kpi: figure.value for figure in response.context[key]}


def test_staff_of_one_shop_see_that_shops_month_and_not_the_others(client, three_shops):
    client.force_login(_lead("lea-a", three_shops["a"]))
    response = client.get(DASHBOARD, {"period": "month"})
    figures = _figures(response)
    # Shop A: 100 + 50 + 30 = 180 from 3 orders of Alma and Clara, both new in shop A;
    # Alma's second order is the one repeat.
    assert Decimal(str(figures["revenue"])) == Decimal("180.00")
    assert figures["orders"] == 3
    assert Decimal(str(figures["average_order_value"])) == Decimal("60.00")
    assert figures["purchase_frequency"] == pytest.approx(3 / 2)
    assert figures["new_customers"] == 2
    assert figures["repeat_rate"] == pytest.approx(1 / 3, abs=1e-4)
    html = response.content.decode()
    assert "€180.00" in html or "180.00" in html
    for other in ("210.00", "1,000.00", "1,390.00", "1390"):
        assert other not in html, other
    assert 'id="shop-switch"' not in html  # limited staff do not choose
    assert "chart-cohorts" in html and 'id="goals"' not in html


def test_staff_of_two_shops_see_sums_and_rates_of_the_sums(client, three_shops):
    client.force_login(_lead("lea-ab", three_shops["a"], three_shops["b"]))
    figures = _figures(client.get(DASHBOARD, {"period": "month"}))
    # A and B: 180 + 210 = 390 from 5 orders; basket 390 / 5 = 78.00 (not the mean of
    # A's 60.00 and B's 105.00); Clara counts as a customer of each shop: 2 + 2 customers.
    assert Decimal(str(figures["revenue"])) == Decimal("390.00")
    assert figures["orders"] == 5
    assert Decimal(str(figures["average_order_value"])) == Decimal("78.00")
    assert figures["purchase_frequency"] == pytest.approx(5 / 4)
    assert figures["new_customers"] == 4
    assert figures["repeat_rate"] == pytest.approx(1 / 5, abs=1e-4)


def test_the_start_page_shows_the_shops_month_to_limited_staff(client, three_shops):
    client.force_login(_lead("lea-b", three_shops["b"]))
    response = client.get(HOME)
    figures = _figures(response, "home_figures")
    assert Decimal(str(figures["revenue"])) == Decimal("210.00")  # Bruno 200 + Clara 10
    assert figures["orders"] == 2
    assert figures["new_customers"] == 2
    html = response.content.decode()
    assert 'id="limited-to-shops"' not in html
    assert "Key figures of your shops in" in html
    assert response.context.get("customer_count") is None  # all shops' customers: not shown


def test_unlimited_staff_choose_all_shops_or_one(client, three_shops):
    client.force_login(_lead("lena-all"))
    everything = client.get(DASHBOARD, {"period": "month"})
    assert 'id="shop-switch"' in everything.content.decode()
    assert Decimal(str(_figures(everything)["revenue"])) == Decimal("1390.00")
    assert _figures(everything)["new_customers"] == 4  # Clara is new once across all shops
    # Read after the all-shop figures were cached: the cache key holds the shop choice.
    only_b = client.get(DASHBOARD, {"period": "month", "shop": three_shops["b"].pk})
    assert Decimal(str(_figures(only_b)["revenue"])) == Decimal("210.00")
    html = only_b.content.decode()
    assert 'id="one-shop"' in html and "Tee" in html
    assert 'id="goals"' not in html and "chart-clv" not in html
    # An unknown shop id is all shops.
    unknown = client.get(DASHBOARD, {"period": "month", "shop": "999999"})
    assert Decimal(str(_figures(unknown)["revenue"])) == Decimal("1390.00")


def test_one_shop_has_no_shop_selector(client, db):
    OrderFactory(placed_at=_last_month_day(10), total=Decimal("25.00"))
    run_scoring()
    client.force_login(_lead("lena-one"))
    html = client.get(DASHBOARD).content.decode()
    assert 'id="shop-switch"' not in html and 'id="goals"' in html


def test_the_limited_notices_speak_german(client, three_shops):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(_lead("lea-de", three_shops["a"]))
    html = client.get(DASHBOARD).content.decode()
    assert "die Kennzahlen, Diagramme, Kohorten" in html
    assert "Kennzahlen Ihrer Shops im" in client.get(HOME).content.decode()
    client.force_login(_lead("lena-de"))
    one = client.get(DASHBOARD, {"shop": three_shops["c"].pk}).content.decode()
    assert "Die Zahlen des Shops Kakao allein" in one
