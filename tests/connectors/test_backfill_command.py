"""``stammkunde connectors backfill|reconcile``: summaries and one-line errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stammkunde.connectors.models import ShopConnection
from stammkunde.connectors.models.backfill import BackfillRun
from stammkunde.shop.models import Order, Platform, Shop
from tests.connectors.backfill_helpers import connected_shop
from tests.connectors.fake_shops import make_orders, running

pytestmark = pytest.mark.django_db


def connectors(*args: str) -> str:
    out = StringIO()
    call_command("connectors", *args, stdout=out)
    return out.getvalue()


def test_backfill_prints_a_summary():
    with running("woocommerce", make_orders("woocommerce", 3)) as fake:
        connected_shop("woocommerce", fake.url)
        output = connectors("backfill", "woocommerce")
    assert "1 pages, 3 orders read, 3 new or changed, 0 refused" in output
    assert Order.objects.count() == 3


def test_backfill_since_a_date():
    with running("shopify", make_orders("shopify", 5)) as fake:  # Jan 1..5 2024
        shop = connected_shop("shopify", fake.url)
        connectors("backfill", "shopify", "--since", "2024-01-03")
    assert Order.objects.filter(shop=shop).count() == 3
    assert fake.seen[-1].query["created_at_min"] == "2024-01-02T23:00:00+00:00"  # Berlin midnight


def test_unknown_shop_is_a_clear_error():
    with pytest.raises(CommandError, match="There is no shop with the short name 'nope'"):
        connectors("backfill", "nope")


def test_a_csv_shop_has_no_api():
    Shop.objects.create(name="Laden", slug="laden", platform=Platform.CSV)
    with pytest.raises(CommandError, match="Laden is a CSV import shop; it has no API"):
        connectors("backfill", "laden")


def test_missing_credentials_are_named():
    shop = Shop.objects.create(name="Shopify", slug="sf", platform=Platform.SHOPIFY)
    ShopConnection.objects.create(shop=shop, webhook_secret="x")
    with pytest.raises(CommandError, match="Shopify has no API credentials"):
        connectors("backfill", "sf")


def test_refused_credentials_stop_with_the_shops_message():
    with running("shopify", make_orders("shopify", 1)) as fake:
        shop = connected_shop("shopify", fake.url)
        ShopConnection.objects.filter(shop=shop).update(api_key="shpat_revoked")
        with pytest.raises(
            CommandError, match=r"refused the credentials \(HTTP 401\).*Invalid API key"
        ):
            connectors("backfill", "shopify")
    assert BackfillRun.objects.get(shop=shop).state == "failed"


def test_a_bad_since_is_refused():
    with running("shopify", []) as fake:
        connected_shop("shopify", fake.url)
        with pytest.raises(CommandError, match="--since must be a date like 2024-01-31"):
            connectors("backfill", "shopify", "--since", "last tuesday")


def test_reconcile_one_shop_and_all_shops():
    with running("shopware6", []) as fake:
        connected_shop("shopware6", fake.url)
        assert "0 orders read" in connectors("reconcile", "shopware6")
        assert "0 orders read" in connectors("reconcile")
    assert BackfillRun.objects.filter(kind="reconciliation").count() == 2


def test_reconcile_without_any_connected_shop_says_so():
    assert "No active shop has API credentials." in connectors("reconcile")
