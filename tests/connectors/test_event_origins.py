"""Every path that changes orders, consents or customers stores its domain events with the origin
of the path: live webhook, API, staff, backfill, reconciliation, CSV import, demo."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from stammkunde.connectors.backfill.services import run_backfill, run_reconciliation
from stammkunde.connectors.csv_import.services import import_file
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.core.models import StoredEvent
from stammkunde.customers.models import ConsentChannel, ConsentPurpose, ConsentSource
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.profile import create_customer
from stammkunde.demo.writer import generate_demo
from stammkunde.shop.models import Order
from tests.api.conftest import ApiClient
from tests.connectors.backfill_helpers import connected_shop
from tests.connectors.fake_orders import make_orders, shopify_order
from tests.connectors.fake_shops import client_for, running
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery

pytestmark = pytest.mark.django_db


def stored(*, since: int = 0) -> list[tuple[str, str]]:
    """(event name, origin) of the events stored after id ``since``, in order."""
    return list(
        StoredEvent.objects.filter(id__gt=since).order_by("id").values_list("name", "origin")
    )


def last_id() -> int:
    return StoredEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_live_webhook_publishes_with_origin_webhook(client):
    connection = connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )
    headers, body = shopify_delivery(4711, webhook_id="w-1", topic="orders/create")
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    assert (
        client.post(connection.webhook_path, body, content_type="application/json", **extra)
    ).status_code == 200

    process_waiting()

    assert ("shop.OrderPlaced", "webhook") in stored()
    assert {origin for _name, origin in stored()} == {"webhook"}
    placed = StoredEvent.objects.get(name="shop.OrderPlaced")
    order = Order.objects.get(external_id="4711")
    assert placed.payload["order_id"] == order.pk
    assert placed.occurred_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # the shop's time


def test_the_api_publishes_with_origin_api(client, shop, db):
    from stammkunde.api.tokens import create_token

    _token, secret = create_token(name="shop-sync", scopes=_all_scopes())
    api = ApiClient(client, secret)
    order = {
        "shop": shop.slug,
        "external_id": "A-1",
        "placed_at": "2026-03-01T10:15:00+01:00",
        "customer": {"email": "kim@example.de"},
        "lines": [{"name": "Espresso", "quantity": 1, "unit_price": "18.90"}],
    }

    assert api.put("/orders", order).status_code == 201

    assert ("shop.OrderPlaced", "api") in stored()
    assert {origin for _name, origin in stored()} == {"api"}


def test_the_generic_event_endpoint_of_the_api_publishes_with_origin_api(client, db):
    from stammkunde.api.tokens import create_token

    connection = connect_shop(by=None, name="Eigenbau", platform="generic", webhook_secret="s")
    _token, secret = create_token(name="sync", scopes=_all_scopes())
    api = ApiClient(client, secret)
    event = {
        "id": "evt-1",
        "type": "order.upserted",
        "data": {
            "id": "G-1",
            "placed_at": "2026-03-01T10:15:00+01:00",
            "currency": "EUR",
            "customer": {"email": "gen@example.de"},
            "lines": [{"name": "Tee", "quantity": 1, "unit_price": "4.50"}],
        },
    }
    response = api.post(f"/events?shop={connection.shop.slug}", event)
    assert response.status_code == 202, response.content

    process_waiting()

    assert ("shop.OrderPlaced", "api") in stored()
    assert {origin for _name, origin in stored()} == {"api"}


def test_staff_publish_with_origin_staff(client, team_lead):
    first = create_customer(by=None, email="a@example.de", first_name="Jo")
    second = create_customer(by=None, email="b@example.de", first_name="Jo")
    before = last_id()
    client.force_login(team_lead)

    response = client.post(
        reverse("ui:customer-merge", args=[first.pk]),
        {"other": second.pk, "survivor": first.pk},
    )

    assert response.status_code == 302
    assert stored(since=before) == [("customers.CustomersMerged", "staff")]
    merged = StoredEvent.objects.get(name="customers.CustomersMerged")
    assert merged.payload == {"survivor_id": first.pk, "merged_id": second.pk}


def test_a_consent_change_publishes_its_time_and_who_said_so(db):
    customer = create_customer(by=None, email="c@example.de")
    given = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)

    record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=False,
        source=ConsentSource.CUSTOMER,
        given_at=given,
    )

    event = StoredEvent.objects.get(name="customers.ConsentChanged")
    assert event.occurred_at == given
    assert event.payload["customer_id"] == customer.pk
    assert (event.payload["granted"], event.payload["source"]) == (False, "customer")


def test_a_backfill_publishes_history_and_a_reconciliation_does_not():
    orders = make_orders("shopify", 3)
    with running("shopify", orders) as fake:
        shop = connected_shop("shopify", fake.url)
        run_backfill(shop, client=client_for(fake, page_size=2))
    backfilled = stored()
    assert backfilled.count(("shop.OrderPlaced", "backfill")) == 3
    assert {origin for _name, origin in backfilled} == {"backfill"}

    now = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)
    missed = shopify_order(99, created=now - timedelta(minutes=10))
    before = last_id()
    with running("shopify", [missed]) as fake:
        other = connected_shop("shopify", fake.url, slug="other")
        run_reconciliation(other, client=client_for(fake), now=now)
    assert ("shop.OrderPlaced", "reconciliation") in stored(since=before)
    assert {origin for _name, origin in stored(since=before)} == {"reconciliation"}


def test_a_csv_import_publishes_one_event_per_batch_with_origin_import(shop, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_number,placed_at,customer_email,sku,product_name,quantity,unit_price\n"
        "1001,2023-01-05,kim@example.de,ESP,Espresso,1,18.90\n"
        "1001,2023-01-05,kim@example.de,FIL,Filter,1,3.50\n"
        "1002,2023-02-07,lee@example.de,ESP,Espresso,2,18.90\n"
        "1003,2023-03-09,kim@example.de,ESP,Espresso,1,18.90\n",
        encoding="utf-8",
    )

    import_file("orders", path, shop=shop, batch_size=2)

    events = StoredEvent.objects.filter(name="shop.OrdersImported").order_by("id")
    assert [event.origin for event in events] == ["import", "import"]
    ids = sorted(order_id for event in events for order_id in event.payload["order_ids"])
    assert ids == sorted(Order.objects.filter(shop=shop).values_list("id", flat=True))
    assert len(ids) == 3
    assert {origin for _name, origin in stored()} == {"import"}


def test_the_demo_publishes_with_origin_demo(db):
    result = generate_demo(customers=30, seed=5, chunk_size=20)

    events = list(StoredEvent.objects.order_by("id"))
    assert {event.origin for event in events} == {"demo"}
    imported = [event for event in events if event.name == "shop.OrdersImported"]
    assert len(imported) == 2  # one per chunk of customers
    assert sum(len(event.payload["order_ids"]) for event in imported) == result.orders


def _all_scopes() -> list[str]:
    from stammkunde.api.models import Scope

    return list(Scope.values)


def test_the_payload_is_plain_json(shop, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_number,placed_at,customer_email,sku,product_name,quantity,unit_price\n"
        "1,2023-01-05,kim@example.de,ESP,Espresso,1,18.90\n",
        encoding="utf-8",
    )
    import_file("orders", path, shop=shop)

    event = StoredEvent.objects.get()
    assert json.loads(json.dumps(event.payload)) == event.payload
