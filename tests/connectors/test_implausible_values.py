"""A delivery with a time or an amount no shop could mean is parked with the field and the
reason, through the real endpoint and the real drain; it never stops the deliveries after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.normalized import LineData, OrderUpserted
from stammkunde.connectors.platforms import PayloadError, adapter_for
from stammkunde.core.plausible import Implausible
from stammkunde.shop.models import Order, OrderStatus
from tests.connectors.signed_deliveries import PLATFORMS, SECRET

pytestmark = pytest.mark.django_db

YEAR_ONE_AT_PLUS_14 = "0001-01-01T00:00:00+14:00"


def post(client, connection, headers: dict, body: bytes):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(connection.webhook_path, data=body, content_type="application/json", **extra)


def connection_for(platform: str):
    return connect_shop(by=None, name=f"{platform} shop", platform=platform, webhook_secret=SECRET)


def drain() -> None:
    while process_waiting().claimed:
        pass


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_a_year_one_order_time_is_parked_and_the_next_delivery_is_applied(client, platform):
    kind = PLATFORMS[platform]
    connection = connection_for(platform)
    bad_headers, bad_body = kind.delivery(9001, dict.fromkeys(kind.times, YEAR_ONE_AT_PLUS_14))
    good_headers, good_body = kind.delivery(9002, {})

    bad = post(client, connection, bad_headers, bad_body)
    good = post(client, connection, good_headers, good_body)
    drain()

    assert bad.status_code in (200, 202, 400), bad.content
    assert good.status_code in (200, 202), good.content
    first, second = WebhookDelivery.objects.order_by("id")
    assert first.state in (DeliveryState.FAILED, DeliveryState.REJECTED)
    assert "is out of range." in first.error
    assert second.state == DeliveryState.PROCESSED, second.error
    assert Order.objects.count() == 1


def test_an_amount_beyond_the_money_columns_is_parked_with_the_field(client):
    kind = PLATFORMS["shopify"]
    connection = connection_for("shopify")
    headers, body = kind.delivery(9001, {("total_price",): "1e15"})

    assert post(client, connection, headers, body).status_code == 200
    drain()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.error == "total_price: is out of range (it must be below 1000000000000)."
    assert not Order.objects.exists()


def test_a_line_whose_total_exceeds_the_money_columns_is_refused_in_the_mapping():
    kind = PLATFORMS["generic"]
    _headers, body = kind.delivery(
        9001,
        {
            ("data", "lines", 0, "unit_price"): "999999999999.00",
            ("data", "lines", 0, "quantity"): 5,
        },
    )
    adapter = adapter_for("generic")

    with pytest.raises(PayloadError, match=r"unit_price \* quantity: is out of range"):
        adapter.map("order.upserted", adapter.parse(body))


def test_a_normalized_order_checks_its_own_times_and_amounts():
    line = LineData(name="Espresso", quantity=1, unit_price=1)
    common = {"external_id": "1", "number": "1", "currency": "EUR", "status": OrderStatus.PLACED}

    with pytest.raises(Implausible, match=r"placed_at: is before 1970-01-01\."):
        OrderUpserted(
            **common, placed_at=datetime(1900, 1, 1, tzinfo=UTC), updated_at=None, lines=(line,)
        )
    with pytest.raises(Implausible, match=r"shipping_total: is negative\."):
        OrderUpserted(
            **common,
            placed_at=datetime(2026, 1, 1, tzinfo=UTC),
            updated_at=None,
            lines=(line,),
            shipping_total=-1,
        )
