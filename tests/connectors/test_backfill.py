"""History backfill through the shops' APIs (fake shop servers on a real local HTTP server):
the same rows as webhooks, paginated, resumable, filtered by --since, errors recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from stammkunde.connectors.backfill.pages import OrderQuery
from stammkunde.connectors.backfill.services import BackfillError, api_client, run_backfill
from stammkunde.connectors.models import ShopConnection
from stammkunde.connectors.models.backfill import BackfillRun, RunKind, RunState
from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderLine, Platform, Shop
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.backfill_helpers import connected_shop, deliver_by_webhook, snapshot
from tests.connectors.fake_shops import client_for, make_orders, running

pytestmark = pytest.mark.django_db
PLATFORMS = ["shopify", "woocommerce", "shopware6"]

# From the published examples (see fake_shops): total, currency, number of lines.
PUBLISHED = {
    "shopify": (Decimal("409.94"), "USD", 3),
    "woocommerce": (Decimal("29.35"), "USD", 2),
    "shopware6": (Decimal("395.01"), "EUR", 1),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_backfill_stores_every_order_of_the_shop(platform):
    orders = make_orders(platform, 5)
    with running(platform, orders) as fake:
        shop = connected_shop(platform, fake.url)
        run = run_backfill(shop, client=client_for(fake, page_size=2))
    assert run.state == RunState.FINISHED
    assert (run.pages_done, run.orders_seen, run.orders_applied, run.orders_failed) == (3, 5, 5, 0)
    total, currency, lines = PUBLISHED[platform]
    stored = Order.objects.filter(shop=shop)
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(
        str(o["id"]) for o in orders
    )
    assert set(stored.values_list("total", "currency")) == {(total, currency)}
    assert OrderLine.objects.filter(order__shop=shop).count() == 5 * lines
    # every order carries its own buyer (buyer0..buyer4@example.com): five customers
    emails = set(Customer.objects.values_list("email", flat=True))
    assert {f"buyer{i}@example.com" for i in range(5)} <= emails


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_backfilled_order_equals_the_webhook_delivered_one(platform):
    orders = make_orders(platform, 3)
    by_webhook = Shop.objects.create(name="by webhook", slug="hooked", platform=platform)
    for order in orders:
        delivery = deliver_by_webhook(by_webhook, order)
        assert delivery.state == "processed", delivery.error
    with running(platform, orders) as fake:
        by_api = connected_shop(platform, fake.url)
        run_backfill(by_api, client=client_for(fake, page_size=2))
    assert snapshot(by_api) == snapshot(by_webhook)
    assert len(snapshot(by_api)) == 3


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_interrupted_backfill_continues_at_the_failed_page(platform):
    orders = make_orders(platform, 7)  # pages of 2: 1, 2, 3, 4
    with running(platform, orders, fail_pages={3}) as fake:
        shop = connected_shop(platform, fake.url)
        first = run_backfill(shop, client=client_for(fake, page_size=2, attempts=2))
        assert first.state == RunState.FAILED
        assert "HTTP 500" in first.error
        assert (first.pages_done, Order.objects.filter(shop=shop).count()) == (2, 4)
        requested_before = len(fake.pages_requested())

        fake.fail_pages.clear()
        second = run_backfill(shop, client=client_for(fake, page_size=2))
        rerun_pages = fake.pages_requested()[requested_before:]

        whole = connected_shop(platform, fake.url, slug="uninterrupted")
        run_backfill(whole, client=client_for(fake, page_size=2))

    assert rerun_pages == [3, 4]  # pages 1 and 2 were not fetched again
    assert second.pk == first.pk and second.state == RunState.FINISHED
    assert (second.pages_done, second.orders_seen) == (4, 7)
    assert snapshot(shop) == snapshot(whole)
    # nothing doubled: one order row and one "order placed" entry per order of the shop
    assert Order.objects.filter(shop=shop).count() == 7
    order_ids = list(Order.objects.filter(shop=shop).values_list("pk", flat=True))
    placed = Activity.objects.filter(kind=ActivityKind.ORDER_PLACED, subject_id__in=order_ids)
    assert sorted(placed.values_list("subject_id", flat=True)) == sorted(order_ids)


def test_ctrl_c_between_pages_keeps_the_pages_stored_so_far():
    orders = make_orders("woocommerce", 6)
    with running("woocommerce", orders) as fake:
        shop = connected_shop("woocommerce", fake.url)

        def interrupt_after_second_page(run: BackfillRun) -> None:
            if run.pages_done == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_backfill(shop, None, interrupt_after_second_page, client=client_for(fake))
        stopped = BackfillRun.objects.get(shop=shop)
        assert (stopped.state, stopped.pages_done, stopped.cursor) == (RunState.FAILED, 2, "3")
        assert "KeyboardInterrupt" in stopped.error
        run = run_backfill(shop, client=client_for(fake))
    assert run.pk == stopped.pk and run.state == RunState.FINISHED
    assert fake.pages_requested() == [1, 2, 3]
    assert Order.objects.filter(shop=shop).count() == 6


def test_restart_reads_from_the_first_page_and_changes_nothing_already_stored():
    orders = make_orders("shopify", 4)
    with running("shopify", orders) as fake:
        shop = connected_shop("shopify", fake.url)
        run_backfill(shop, client=client_for(fake))
        before = snapshot(shop)
        again = run_backfill(shop, restart=True, client=client_for(fake))
    assert BackfillRun.objects.filter(shop=shop, kind=RunKind.BACKFILL).count() == 2
    assert (again.orders_seen, again.orders_applied) == (4, 0)  # all seen, none changed
    assert snapshot(shop) == before


def test_a_finished_backfill_run_again_starts_a_new_pass():
    with running("shopware6", make_orders("shopware6", 3)) as fake:
        shop = connected_shop("shopware6", fake.url)
        first = run_backfill(shop, client=client_for(fake))
        second = run_backfill(shop, client=client_for(fake))
    assert second.pk != first.pk
    assert second.orders_seen == 3


@pytest.mark.parametrize("platform", PLATFORMS)
def test_since_takes_orders_created_from_that_day_on_in_the_shops_time_zone(platform):
    orders = make_orders(platform, 6)  # 2024-01-01 .. 01-06, 09:00 UTC each
    since = datetime(2024, 1, 4, tzinfo=ZoneInfo("Europe/Berlin"))  # 2024-01-03 23:00 UTC
    with running(platform, orders) as fake:
        shop = connected_shop(platform, fake.url)
        run = run_backfill(shop, since, client=client_for(fake))
    numbers = sorted(Order.objects.filter(shop=shop).values_list("placed_at", flat=True))
    assert [moment.astimezone(UTC).day for moment in numbers] == [4, 5, 6]
    assert run.since == since


def test_an_order_the_mapping_refuses_is_recorded_and_the_others_are_stored():
    orders = make_orders("shopify", 3)
    orders[1]["line_items"][0]["quantity"] = -2
    with running("shopify", orders) as fake:
        shop = connected_shop("shopify", fake.url)
        run = run_backfill(shop, client=client_for(fake))
    assert run.state == RunState.FINISHED
    assert (run.orders_seen, run.orders_applied, run.orders_failed) == (3, 2, 1)
    assert run.errors[0]["order"] == str(orders[1]["id"])
    assert "quantity" in run.errors[0]["error"]
    assert not Order.objects.filter(shop=shop, external_id=str(orders[1]["id"])).exists()


def test_shop_without_api_or_credentials_cannot_be_backfilled():
    csv_shop = Shop.objects.create(name="Laden", slug="laden", platform=Platform.CSV)
    with pytest.raises(BackfillError, match="has no API"):
        run_backfill(csv_shop)
    bare = Shop.objects.create(name="Woo", slug="woo", platform=Platform.WOOCOMMERCE)
    with pytest.raises(BackfillError, match="no API credentials"):
        run_backfill(bare)
    ShopConnection.objects.create(
        shop=bare, webhook_secret="x", api_base_url="https://woo.test", api_key="ck"
    )
    with pytest.raises(BackfillError, match="key and secret"):
        run_backfill(bare)  # WooCommerce needs the consumer secret too
    assert not BackfillRun.objects.exists()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_connection_credentials_reach_the_shop(platform):
    with running(platform, make_orders(platform, 2)) as fake:
        shop = connected_shop(platform, fake.url)
        page = api_client(shop).fetch_orders("", OrderQuery())
    assert len(page.orders) == 2
