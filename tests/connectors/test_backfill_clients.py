"""The shop API clients against fake shop APIs on a real local HTTP server: pagination, filters,
authentication, rate limits and retries, as the platforms document them. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stammkunde.connectors.backfill.http import (
    ApiAuthError,
    ApiError,
    ApiUnavailable,
    retry_after_seconds,
)
from stammkunde.connectors.backfill.pages import OrderQuery
from stammkunde.connectors.backfill.shopify import call_limit_wait
from tests.connectors.fake_shops import (
    client_for,
    make_orders,
    running,
    shopify_order,
    woocommerce_order,
)

PLATFORMS = ["shopify", "woocommerce", "shopware6"]


def fetch_all(client, query=None):
    query = query or OrderQuery()
    cursor, ids = "", []
    while True:
        page = client.fetch_orders(cursor, query)
        ids.extend(order["id"] for order in page.orders)
        cursor = page.next_cursor
        if not cursor:
            return ids


@pytest.mark.parametrize("platform", PLATFORMS)
def test_client_reads_every_order_page_by_page(platform):
    orders = make_orders(platform, 5)
    with running(platform, orders) as fake:
        ids = fetch_all(client_for(fake, page_size=2))
    assert sorted(ids) == sorted(order["id"] for order in orders)
    assert len(ids) == 5  # none twice
    assert fake.pages_requested() == [1, 2, 3]  # 2 + 2 + 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_shop_without_orders_is_one_empty_page(platform):
    with running(platform, []) as fake:
        page = client_for(fake).fetch_orders("", OrderQuery())
    assert page.orders == []
    assert page.next_cursor == ""


def test_shopify_follows_the_link_header_and_sends_only_page_info_after_the_first_page():
    with running("shopify", make_orders("shopify", 5)) as fake:
        fetch_all(
            client_for(fake, page_size=2),
            OrderQuery(created_since=datetime(2023, 1, 1, tzinfo=UTC)),
        )
    first, second = fake.seen[0].query, fake.seen[1].query
    assert first["status"] == "any"  # the default would list open orders only
    assert first["created_at_min"] == "2023-01-01T00:00:00+00:00"
    assert set(second) == {"limit", "page_info"}
    assert all(seen.status == 200 for seen in fake.seen)


def test_shopify_asks_for_orders_updated_since_for_reconciliation():
    start = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    orders = [shopify_order(i, created=start, updated=start + timedelta(days=i)) for i in range(6)]
    since = start + timedelta(days=3, hours=-1)
    with running("shopify", orders) as fake:
        ids = fetch_all(client_for(fake), OrderQuery(updated_since=since))
    # updated on days 3, 4 and 5 after the start
    assert ids == [orders[3]["id"], orders[4]["id"], orders[5]["id"]]


def test_shopify_counts_orders_for_the_progress_bar():
    with running("shopify", make_orders("shopify", 7)) as fake:
        assert client_for(fake).count_orders(OrderQuery()) == 7


def test_call_limit_wait_keeps_four_calls_free_at_two_calls_a_second():
    assert call_limit_wait("10/40") == 0.0
    assert call_limit_wait("36/40") == 0.0
    assert call_limit_wait("39/40") == pytest.approx(1.5)  # 3 calls over, drained at 2/s
    assert call_limit_wait("80/80") == pytest.approx(2.0)
    assert call_limit_wait(None) == 0.0
    assert call_limit_wait("garbage") == 0.0


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("2.0") == 2.0
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_shopify_full_bucket_is_waited_out_as_retry_after_says():
    # Another app has filled the bucket: the first call is refused with 429, Retry-After 2.0.
    with running("shopify", make_orders("shopify", 6), bucket_used=40) as fake:
        ids = fetch_all(client_for(fake, page_size=2))
    assert len(ids) == 6
    refused = [seen for seen in fake.seen if seen.status == 429]
    assert len(refused) == 1
    assert fake.clock.sleeps[0] == 2.0


def test_shopify_client_slows_down_before_the_bucket_is_full():
    # 36 of 40 used: every further call would fill it; the client waits for the leak instead.
    with running("shopify", make_orders("shopify", 20), bucket_used=36) as fake:
        ids = fetch_all(client_for(fake, page_size=2))
    assert len(ids) == 20
    assert [seen.status for seen in fake.seen] == [200] * 10  # never refused
    assert fake.clock.sleeps and all(wait == pytest.approx(0.5) for wait in fake.clock.sleeps)


def test_a_client_that_does_not_wait_is_refused_until_it_gives_up():
    # The same full bucket with a sleep that does not let time pass: the fake enforces the limit.
    with (
        running("shopify", make_orders("shopify", 4), bucket_used=40) as fake,
        pytest.raises(ApiUnavailable, match="HTTP 429"),
    ):
        fetch_all(client_for(fake, attempts=3, sleep=lambda seconds: None))
    assert [seen.status for seen in fake.seen] == [429, 429, 429]


@pytest.mark.parametrize("platform", ["woocommerce", "shopware6"])
def test_429_waits_the_retry_after_seconds(platform):
    with running(platform, make_orders(platform, 3), throttle_next=[3.0]) as fake:
        ids = fetch_all(client_for(fake))
    assert len(ids) == 3
    assert fake.clock.sleeps == [3.0]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_server_errors_are_retried_with_growing_waits_then_reported(platform):
    with running(platform, make_orders(platform, 6), fail_pages={2}) as fake:
        client = client_for(fake, attempts=4)
        first = client.fetch_orders("", OrderQuery())
        with pytest.raises(ApiUnavailable, match="after 4 tries"):
            client.fetch_orders(first.next_cursor, OrderQuery())
    assert fake.pages_requested() == [1, 2, 2, 2, 2]
    assert fake.clock.sleeps == [1.0, 2.0, 4.0]


def test_woocommerce_uses_basic_auth_and_the_total_pages_header():
    orders = make_orders("woocommerce", 5)
    with running("woocommerce", orders) as fake:
        page = client_for(fake, page_size=2).fetch_orders("", OrderQuery())
    assert page.total == 5
    assert page.next_cursor == "2"
    assert fake.seen[0].query["orderby"] == "id"  # new orders land on later pages
    assert fake.seen[0].headers["authorization"].startswith("Basic ")


def test_woocommerce_reconciliation_asks_for_modified_after_in_utc():
    start = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    orders = [
        woocommerce_order(i, created=start, updated=start + timedelta(hours=i)) for i in range(5)
    ]
    with running("woocommerce", orders) as fake:
        ids = fetch_all(
            client_for(fake), OrderQuery(updated_since=start + timedelta(hours=2, minutes=30))
        )
    assert ids == [730, 731]  # modified at 11:00 and 12:00
    assert fake.seen[0].query["modified_after"] == "2024-03-01T10:30:00"
    assert fake.seen[0].query["dates_are_gmt"] == "true"


def test_woocommerce_wrong_secret_is_an_auth_error_with_the_shops_message():
    with running("woocommerce", make_orders("woocommerce", 1)) as fake:
        client = client_for(fake)
        client.auth.password = "wrong"
        with pytest.raises(ApiAuthError, match=r"HTTP 401.*Sorry, you cannot list resources"):
            client.fetch_orders("", OrderQuery())
    assert len(fake.seen) == 1  # a refused login is not retried


def test_shopware_gets_a_token_once_and_renews_it_when_it_expires():
    with running("shopware6", make_orders("shopware6", 6)) as fake:
        client = client_for(fake)
        first = client.fetch_orders("", OrderQuery())
        fake.clock.sleep(700)  # the 10-minute token has expired
        second = client.fetch_orders(first.next_cursor, OrderQuery())
        fake.tokens.clear()  # revoked on the shop's side
        third = client.fetch_orders(second.next_cursor, OrderQuery())
    assert len(first.orders + second.orders + third.orders) == 6
    token_requests = [seen for seen in fake.seen if seen.path == "/api/oauth/token"]
    assert len(token_requests) == 3
    assert token_requests[0].body["grant_type"] == "client_credentials"


def test_shopware_sends_criteria_with_associations_and_the_updated_filter():
    since = datetime(2024, 1, 3, tzinfo=UTC)
    with running("shopware6", make_orders("shopware6", 5)) as fake:
        ids = fetch_all(client_for(fake), OrderQuery(updated_since=since))
    search = next(seen for seen in fake.seen if seen.path == "/api/search/order").body
    assert search["total-count-mode"] == 1
    assert "lineItems" in search["associations"]
    # createdAt of orders 2, 3, 4 (days 2-4 at 09:00) lies after Jan 3 00:00; updatedAt is null
    assert ids == [f"{i + 1:032x}" for i in (2, 3, 4)]


def test_shopware_wrong_secret_is_an_auth_error():
    with running("shopware6", make_orders("shopware6", 1)) as fake:
        client = client_for(fake)
        client.client_secret = "wrong"
        with pytest.raises(ApiAuthError, match="credentials were incorrect"):
            client.fetch_orders("", OrderQuery())


def test_a_wrong_address_is_reported_without_retrying():
    with running("woocommerce", []) as fake:
        client = client_for(fake)
        client.orders_url = fake.url + "/shop/orders"
        with pytest.raises(ApiError, match=r"HTTP 404 for .*/shop/orders: No route was found"):
            client.fetch_orders("", OrderQuery())
    assert len(fake.seen) == 1


def test_a_redirect_is_not_followed_but_named():
    # http -> https style: the token must not travel to wherever a redirect points.
    with running("woocommerce", []) as fake:
        client = client_for(fake)
        client.orders_url = fake.url + "/old/wp-json/wc/v3/orders"
        with pytest.raises(ApiError, match=r"redirects to http://127\.0\.0\.1:\d+/wp-json"):
            client.fetch_orders("", OrderQuery())
    assert [seen.path for seen in fake.seen] == ["/old/wp-json/wc/v3/orders"]
