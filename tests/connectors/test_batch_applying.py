"""The inbox's batch path applies a batch of order deliveries exactly as one-by-one would."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db import transaction

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.connectors import batch_applying
from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.customers.models import (
    Address,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
)
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.profile import create_customer, update_customer
from stammkunde.shop.models import Order, OrderLine, ShopAccount
from stammkunde.timeline.models import Activity
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery, shopify_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    ).shop


def _customer_update(webhook_id: str, customer_id: int, email: str, first_name: str):
    import json

    body = json.dumps(
        {
            "id": customer_id,
            "email": email,
            "first_name": first_name,
            "last_name": "Sommer",
            "updated_at": "2026-03-01T12:00:00+01:00",
            "created_at": "2026-03-01T08:00:00+01:00",
            "addresses": [],
            "default_address": None,
            "phone": None,
        }
    ).encode()
    return shopify_headers(body, topic="customers/update", webhook_id=webhook_id), body


def _scenario(shop, staff):
    """Deliveries that exercise what the batch path must get right, in arrival order."""
    known = create_customer(by=staff, email="dora@example.com", first_name="Dora")
    update_customer(known, by=staff, first_name="Dorothea")  # staff's edit wins over the shop
    opted_out = create_customer(by=staff, email="emil@example.com", first_name="Emil")
    record_consent(
        opted_out,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=False,
        source=ConsentSource.CUSTOMER,
    )
    later, earlier = "2026-03-01T11:00:00+01:00", "2026-03-01T10:30:00+01:00"
    deliveries = [
        shopify_delivery(1001, webhook_id="d1", topic="orders/create", email="anna@example.com",
                         customer_id=1, first_name="Anna", unit_price="10.00"),
        shopify_delivery(1002, webhook_id="d2", topic="orders/create", email="ben@example.com",
                         customer_id=2, first_name="Ben"),
        # Anna again: waits for the first round.
        shopify_delivery(1003, webhook_id="d3", topic="orders/create", email="anna@example.com",
                         customer_id=1, first_name="Anna", quantity=3),
        # A newer update of 1001, then an older one arriving late (stale).
        shopify_delivery(1001, webhook_id="d4", email="anna@example.com", customer_id=1,
                         first_name="Anna", unit_price="12.00", updated_at=later),
        shopify_delivery(1001, webhook_id="d5", email="anna@example.com", customer_id=1,
                         first_name="Anna", unit_price="11.00", updated_at=earlier),
        # Ben's e-mail under another shop customer id: the same person.
        shopify_delivery(1004, webhook_id="d6", topic="orders/create", email="ben@example.com",
                         customer_id=3, first_name="Ben"),
        shopify_delivery(1005, webhook_id="d7", topic="orders/create", email="carla@example.com",
                         customer_id=4, first_name="Carla"),
        # Carla's profile changes (applied one by one); her next order must wait for it.
        _customer_update("d8", 4, "carla@example.com", "Carla Marie"),
        shopify_delivery(1006, webhook_id="d9", topic="orders/create", email="carla@example.com",
                         customer_id=4, first_name="Carla"),
        shopify_delivery(1007, webhook_id="d10", topic="orders/create", email="dora@example.com",
                         customer_id=5, first_name="Doro"),
        shopify_delivery(1008, webhook_id="d11", topic="orders/create", email="emil@example.com",
                         customer_id=6, first_name="Emil"),
    ]  # fmt: skip
    for headers, body in deliveries:
        receive(shop, headers, body, verified=True)


def _snapshot() -> dict:
    """The state the deliveries left, in natural keys (ids differ between the two runs)."""
    emails = dict(Customer.objects.values_list("pk", "email"))
    orders = dict(Order.objects.values_list("pk", "external_id"))

    consents = {
        pk: (emails[customer_id], *rest)
        for pk, customer_id, *rest in ConsentEvent.objects.values_list(
            "pk", "customer_id", "channel", "purpose", "granted", "source"
        )
    }

    def keyed(text: str | None) -> str | None:
        text = text and re.sub(r"order:(\d+)", lambda m: f"order:{orders[int(m[1])]}", text)
        return text and re.sub(r"consent:(\d+)", lambda m: f"consent:{consents[int(m[1])]}", text)

    return {
        "customers": sorted(
            Customer.objects.values_list("email", "first_name", "last_name", "phone", "status")
        ),
        "accounts": sorted(
            (external_id, emails[customer_id])
            for external_id, customer_id in ShopAccount.objects.values_list(
                "external_id", "customer_id"
            )
        ),
        "addresses": sorted(
            (emails[c], street, city)
            for c, street, city in Address.objects.values_list("customer_id", "street", "city")
        ),
        "orders": sorted(
            (
                o.external_id,
                emails.get(o.customer_id),
                o.status,
                o.subtotal,
                o.total,
                o.number,
                o.source_updated_at,
                o.email,
            )
            for o in Order.objects.all()
        ),
        "lines": sorted(
            (orders[o], n, sku, q, p, t)
            for o, n, sku, q, p, t in OrderLine.objects.values_list(
                "order_id", "line_number", "sku", "quantity", "unit_price", "total"
            )
        ),
        "consents": sorted(
            (emails[c], channel, purpose, granted, source, detail)
            for c, channel, purpose, granted, source, detail in ConsentEvent.objects.values_list(
                "customer_id", "channel", "purpose", "granted", "source", "source_detail"
            )
        ),
        "timeline": Counter(
            (
                emails[a.customer_id],
                a.kind,
                a.summary,
                a.channel,
                a.direction,
                a.actor_label,
                a.subject_type,
                keyed(a.dedupe_key),
            )
            for a in Activity.objects.all()
        ),
        "audit": Counter(
            (emails.get(e.customer_id), e.action, e.object_type, tuple(e.fields), e.detail)
            for e in AuditEntry.objects.exclude(action=AuditAction.VIEW)
        ),
        "inbox": sorted(
            WebhookDelivery.objects.values_list("delivery_id", "state", "events_count", "error")
        ),
    }


def _drain() -> None:
    while (batch := process_waiting(limit=100)).claimed != batch.deferred:
        pass


def _run(shop, staff, monkeypatch, *, batch: bool) -> tuple[dict, int]:
    """Play the scenario and return the snapshot and how many deliveries the batch path took;
    everything is rolled back afterwards."""
    applied = []
    original = batch_applying.apply_batch

    def counting(*args, **kwargs):
        results = original(*args, **kwargs) if batch else [None] * len(args[1])
        applied.extend(result for result in results if result is not None)
        return results

    with monkeypatch.context() as patch:
        patch.setattr(batch_applying, "apply_batch", counting)
        with transaction.atomic():
            _scenario(shop, staff)
            _drain()
            snapshot = _snapshot()
            transaction.set_rollback(True)
    return snapshot, len(applied)


def test_the_batch_path_leaves_the_same_state_as_one_by_one(shop, team_lead, monkeypatch):
    together, taken = _run(shop, team_lead, monkeypatch, batch=True)
    one_by_one, none_taken = _run(shop, team_lead, monkeypatch, batch=False)

    assert none_taken == 0
    # All but the customer update (and Carla's order after it) went the batch way.
    assert taken == 9
    for part in one_by_one:
        assert together[part] == one_by_one[part], part
    # And the state is the right one, not merely the same one.
    assert {state for _id, state, _n, _e in together["inbox"]} == {DeliveryState.PROCESSED}
    orders = {row[0]: row for row in together["orders"]}
    assert orders["1001"][4] == pytest.approx(12)  # the newer update, not the stale one
    assert orders["1004"][1] == "ben@example.com"  # matched by e-mail
    assert len([c for c in together["customers"] if c[0] == "ben@example.com"]) == 1
    customers = {row[0]: row for row in together["customers"]}
    assert customers["dora@example.com"][1] == "Dorothea"  # staff's edit kept
    # Carla's order after her profile change was applied after it (its name is the last word).
    assert customers["carla@example.com"][1] == "Carla"
    emil_consents = [c for c in together["consents"] if c[0] == "emil@example.com"]
    assert [c[3] for c in emil_consents] == [False]  # the customer's own opt-out stands


def test_a_database_conflict_in_the_batch_falls_back_to_one_by_one(shop, monkeypatch):
    # Another worker creating the same customer at the same moment: the batch does not see
    # the customer, tries to create it again, and the unique e-mail refuses.
    create_customer(by=None, email="anna@example.com", first_name="Anna")
    monkeypatch.setattr(
        batch_applying, "find_customer_ids", lambda shop, keys: [None for _key in keys]
    )
    for number in (1, 2):
        headers, body = shopify_delivery(
            2000 + number, webhook_id=f"c{number}", topic="orders/create",
            email="anna@example.com", customer_id=77,
        )  # fmt: skip
        receive(shop, headers, body, verified=True)

    _drain()

    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"processed"}
    assert Customer.objects.filter(email="anna@example.com").count() == 1
    anna = Customer.objects.get(email="anna@example.com")
    assert sorted(Order.objects.filter(customer=anna).values_list("external_id", flat=True)) == [
        "2001",
        "2002",
    ]
