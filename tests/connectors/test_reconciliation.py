"""Scheduled reconciliation: orders the shop changed since the last pass, read through its API,
catch what webhooks missed and never let older data overwrite newer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stammkunde.connectors.backfill.schedule import EVERY, JOB_NAME
from stammkunde.connectors.backfill.services import (
    OVERLAP,
    reconcile_all_shops,
    run_reconciliation,
)
from stammkunde.connectors.backfill.tasks import reconcile_shops
from stammkunde.connectors.models import ShopConnection
from stammkunde.connectors.models.backfill import BackfillRun, RunKind, RunState
from stammkunde.core.scheduling import registered_jobs
from stammkunde.shop.models import Order, OrderStatus, Platform, Shop
from tests.connectors.backfill_helpers import connected_shop, deliver_by_webhook
from tests.connectors.fake_shops import (
    client_for,
    running,
    shopify_order,
    shopware_order,
    woocommerce_order,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # the previous pass
NOW = T0 + timedelta(hours=1)


def _last_pass(shop: Shop, moment: datetime = T0) -> None:
    ShopConnection.objects.filter(shop=shop).update(last_reconciled_at=moment)


def test_reconciliation_catches_an_order_the_shop_never_sent_as_a_webhook():
    delivered = shopify_order(1, created=T0 - timedelta(minutes=30))
    missed = shopify_order(2, created=T0 + timedelta(minutes=20))
    with running("shopify", [delivered, missed]) as fake:
        shop = connected_shop("shopify", fake.url)
        deliver_by_webhook(shop, delivered)
        _last_pass(shop)
        run = run_reconciliation(shop, client=client_for(fake), now=NOW)
    assert run.state == RunState.FINISHED
    assert set(Order.objects.filter(shop=shop).values_list("external_id", flat=True)) == {
        str(delivered["id"]),
        str(missed["id"]),
    }
    # The window starts 15 minutes before the last pass: the delivered order (updated
    # 11:30) lies before it and is not read again.
    assert fake.seen[0].query["updated_at_min"] == "2024-05-01T11:45:00+00:00"
    assert (run.orders_seen, run.orders_applied) == (1, 1)
    assert ShopConnection.objects.get(shop=shop).last_reconciled_at == NOW


@pytest.mark.parametrize(
    ("platform", "build", "cancel"),
    [
        (
            "shopify",
            shopify_order,
            lambda o, at: o.update(cancelled_at=at, cancel_reason="customer"),
        ),
        ("woocommerce", woocommerce_order, lambda o, at: o.update(status="cancelled")),
    ],
)
def test_reconciliation_applies_an_update_newer_than_ours(platform, build, cancel):
    placed = T0 - timedelta(days=2)
    ours = build(1, created=placed, updated=placed)
    theirs = build(1, created=placed, updated=T0 + timedelta(minutes=5))
    cancel(theirs, (T0 + timedelta(minutes=5)).isoformat())
    with running(platform, [theirs]) as fake:
        shop = connected_shop(platform, fake.url)
        deliver_by_webhook(shop, ours)
        assert Order.objects.get(shop=shop).status != OrderStatus.CANCELLED
        _last_pass(shop)
        run = run_reconciliation(shop, client=client_for(fake), now=NOW)
    order = Order.objects.get(shop=shop)
    assert order.status == OrderStatus.CANCELLED
    assert order.source_updated_at == T0 + timedelta(minutes=5)
    assert run.orders_applied == 1


def test_reconciliation_never_overwrites_newer_data_with_older():
    placed = T0 - timedelta(days=1)
    # We hold the cancellation (updated 12:40) from a webhook; the shop's API still serves an
    # older copy (12:10, not cancelled), e.g. from a lagging replica or cache.
    newer = shopify_order(1, created=placed, updated=T0 + timedelta(minutes=40))
    newer.update(cancelled_at=(T0 + timedelta(minutes=40)).isoformat(), cancel_reason="customer")
    older = shopify_order(1, created=placed, updated=T0 + timedelta(minutes=10))
    with running("shopify", [older]) as fake:
        shop = connected_shop("shopify", fake.url)
        deliver_by_webhook(shop, newer, topic="orders/cancelled")
        _last_pass(shop)
        run = run_reconciliation(shop, client=client_for(fake), now=NOW)
    order = Order.objects.get(shop=shop)
    assert order.status == OrderStatus.CANCELLED
    assert order.source_updated_at == T0 + timedelta(minutes=40)
    assert (run.orders_seen, run.orders_applied) == (1, 0)


def test_a_failed_pass_leaves_the_window_for_the_next_one():
    orders = [shopware_order(i, created=T0 + timedelta(minutes=i)) for i in range(5)]
    with running("shopware6", orders, fail_pages={2}) as fake:
        shop = connected_shop("shopware6", fake.url)
        _last_pass(shop)
        failed = run_reconciliation(shop, client=client_for(fake, attempts=2), now=NOW)
        assert failed.state == RunState.FAILED
        assert ShopConnection.objects.get(shop=shop).last_reconciled_at == T0
        fake.fail_pages.clear()
        later = NOW + timedelta(hours=1)
        again = run_reconciliation(shop, client=client_for(fake), now=later)
    assert again.state == RunState.FINISHED
    assert again.since == T0 - OVERLAP  # the same window as the failed pass
    assert Order.objects.filter(shop=shop).count() == 5
    assert ShopConnection.objects.get(shop=shop).last_reconciled_at == later


def test_first_pass_without_a_previous_one_looks_back_two_days():
    with running("woocommerce", []) as fake:
        shop = connected_shop("woocommerce", fake.url)
        run = run_reconciliation(shop, client=client_for(fake), now=NOW)
    assert run.since == NOW - timedelta(days=2)
    assert run.kind == RunKind.RECONCILIATION


def test_reconcile_all_shops_visits_active_shops_with_credentials_only():
    recent = [woocommerce_order(0, created=datetime.now(UTC) - timedelta(hours=1))]
    with running("woocommerce", recent) as fake:
        woo = connected_shop("woocommerce", fake.url)
        inactive = connected_shop("woocommerce", fake.url, slug="closed")
        Shop.objects.filter(pk=inactive.pk).update(is_active=False)
        Shop.objects.create(name="CSV", slug="csv", platform=Platform.CSV)
        no_key = Shop.objects.create(name="Bare", slug="bare", platform=Platform.SHOPIFY)
        ShopConnection.objects.create(shop=no_key, webhook_secret="x")
        runs = reconcile_all_shops()
    assert [run.shop_id for run in runs] == [woo.pk]
    assert Order.objects.filter(shop=woo).count() == 1


def test_the_hourly_job_is_registered_and_its_task_reconciles():
    job = {job.name: job for job in registered_jobs()}[JOB_NAME]
    assert job.every == EVERY == timedelta(hours=1)
    recent = [shopify_order(0, created=datetime.now(UTC) - timedelta(hours=1))]
    with running("shopify", recent) as fake:
        shop = connected_shop("shopify", fake.url)
        finished = reconcile_shops.call()
    assert finished == 1
    assert BackfillRun.objects.get(shop=shop).state == RunState.FINISHED
    assert Order.objects.filter(shop=shop).count() == 1
