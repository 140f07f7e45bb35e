"""Fuzzed webhook deliveries of every platform through the real endpoint and the real drain.

Hypothesis puts generated values into the order times and amounts of each platform's published
order example (year 1 at +14:00, year 9999 at -14:00, huge, negative and non-finite amounts,
null, lists, objects, booleans), signs the body as the platform would and posts it. Whatever
comes: no answer is a 5xx, the drain ends with the delivery applied or parked (never waiting
for a retry of an error nobody can fix), a parked delivery wrote no order, and a good delivery
posted afterwards is applied: the inbox keeps draining.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.shop.models import Order
from tests.connectors.signed_deliveries import PLATFORMS, SECRET

pytestmark = pytest.mark.django_db

ZONES = [timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)), UTC]
TIME_EDGES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1969-12-31T23:59:59Z",
    "2999-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    -62135596800,
    2**63,
]
AMOUNT_EDGES = ["NaN", "-Infinity", "1e400", "-0.01", "1e15", "999999999999.99", 10**30, 1e308]
others = st.none() | st.booleans() | st.lists(st.integers(), max_size=2) | st.just({"a": 1})
times = st.one_of(
    st.sampled_from(TIME_EDGES),
    st.datetimes(timezones=st.sampled_from(ZONES)).map(datetime.isoformat),
    st.text(max_size=30),
    others,
)
amounts = st.one_of(
    st.sampled_from(AMOUNT_EDGES),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    others,
)
ORDER_IDS = itertools.count(10_000)


def changes_for(platform: str) -> st.SearchStrategy[dict]:
    kind = PLATFORMS[platform]
    optional = dict.fromkeys(kind.times, times) | dict.fromkeys(kind.amounts, amounts)
    return st.fixed_dictionaries({}, optional=optional).filter(bool)


def post(client, connection, headers: dict, body: bytes):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(connection.webhook_path, data=body, content_type="application/json", **extra)


def deliver_and_drain(client, connection, platform: str, changes: dict) -> WebhookDelivery:
    order_id = next(ORDER_IDS)
    headers, body = PLATFORMS[platform].delivery(order_id, changes)
    response = post(client, connection, headers, body)
    assert response.status_code < 500, response.content
    while process_waiting().claimed:
        pass
    return WebhookDelivery.objects.latest("id")


def check(client, connection, platform: str, changes: dict) -> None:
    orders_before = Order.objects.count()
    delivery = deliver_and_drain(client, connection, platform, changes)
    assert delivery.state in (
        DeliveryState.PROCESSED,
        DeliveryState.FAILED,
        DeliveryState.REJECTED,
    ), f"{delivery.state}: {delivery.error}"
    if delivery.state != DeliveryState.PROCESSED:
        assert delivery.error
        assert Order.objects.count() == orders_before
    control = deliver_and_drain(client, connection, platform, {})
    assert control.state == DeliveryState.PROCESSED, control.error


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture
def connections(db):
    return {
        platform: connect_shop(
            by=None, name=f"{platform} shop", platform=platform, webhook_secret=SECRET
        )
        for platform in PLATFORMS
    }


@FUZZ
@given(changes=changes_for("shopify"))
@example(changes={("processed_at",): "0001-01-01T00:00:00+14:00"})
def test_fuzzed_shopify_orders(client, connections, changes):
    check(client, connections["shopify"], "shopify", changes)


@FUZZ
@given(changes=changes_for("woocommerce"))
@example(changes={("date_created_gmt",): "0001-01-01T00:00:00+14:00"})
def test_fuzzed_woocommerce_orders(client, connections, changes):
    check(client, connections["woocommerce"], "woocommerce", changes)


@FUZZ
@given(changes=changes_for("shopware6"))
@example(changes={("data", "payload", "order", "orderDateTime"): "0001-01-01T00:00:00+14:00"})
def test_fuzzed_shopware6_orders(client, connections, changes):
    check(client, connections["shopware6"], "shopware6", changes)


@FUZZ
@given(changes=changes_for("generic"))
@example(changes={("data", "placed_at"): "0001-01-01T00:00:00+14:00"})
def test_fuzzed_generic_orders(client, connections, changes):
    check(client, connections["generic"], "generic", changes)
