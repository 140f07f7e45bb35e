"""Receiving stores each delivery with a prepared INSERT: the same row the ORM would write.

The INSERT runs on the driver's own cursor unless something watches the statements (query
logging, execute wrappers), which then see it through Django's cursor as before.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return connect_shop(by=None, name="Kaffee", platform="shopify", webhook_secret=SECRET).shop


def test_the_stored_row_equals_the_one_the_orm_writes(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1", first_name="Zoë 😀")
    headers["X-Note"] = "ünïcödé ' \" \\ <tag>"

    received = receive(shop, headers, body, verified=True)
    reference = WebhookDelivery.objects.create(
        shop=shop,
        platform=received.platform,
        source=received.source,
        topic=received.topic,
        delivery_id="reference",
        resource_key=received.resource_key,
        resource_updated_at=received.resource_updated_at,
        headers=received.headers,
        body=body,
        received_at=received.received_at,
    )

    columns = [f.attname for f in WebhookDelivery._meta.concrete_fields]
    stored, written = (
        WebhookDelivery.objects.filter(pk=pk).values(*columns).get()
        for pk in (received.pk, reference.pk)
    )
    for row in (stored, written):
        del row["id"], row["delivery_id"]
        row["body"] = bytes(row["body"])
    assert stored == written
    assert stored["headers"]["X-Note"] == "ünïcödé ' \" \\ <tag>"
    assert stored["received_at"] == received.received_at
    assert timezone.is_aware(stored["received_at"])


def test_the_returned_delivery_is_saved_with_its_id(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    delivery = receive(shop, headers, body, verified=True)

    assert delivery.pk == WebhookDelivery.objects.get().pk
    assert not delivery._state.adding
    delivery.error = "changed"
    delivery.save(update_fields=["error"])  # an UPDATE of the stored row, not a second INSERT
    assert WebhookDelivery.objects.get().error == "changed"


def test_each_kind_of_delivery_gets_its_own_row(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    first = receive(shop, headers, body, verified=True)
    again = receive(shop, headers, body, verified=True)
    forged = receive(shop, headers, body, verified=False)

    assert [first.state, again.state, forged.state] == [
        DeliveryState.RECEIVED,
        DeliveryState.DUPLICATE,
        DeliveryState.REJECTED,
    ]
    assert len({first.pk, again.pk, forged.pk}) == 3
    assert WebhookDelivery.objects.get(pk=again.pk).duplicate_of_id == first.pk


def test_a_listener_to_the_inbox_model_still_hears_each_new_delivery(shop):
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.delivery_id, created, instance.pk is not None))

    post_save.connect(listener, sender=WebhookDelivery, weak=False)
    try:
        headers, body = shopify_delivery(4711, webhook_id="w-1")
        receive(shop, headers, body, verified=True)
    finally:
        post_save.disconnect(listener, sender=WebhookDelivery)

    assert heard == [("w-1", True, True)]
    assert WebhookDelivery.objects.count() == 1


def test_a_duplicate_is_told_apart_on_the_drivers_cursor_too(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    first = receive(shop, headers, body, verified=True)
    again = receive(shop, headers, body, verified=True)

    # The duplicate was told by the unique index's IntegrityError, raised as Django's.
    assert again.state == DeliveryState.DUPLICATE
    assert again.duplicate_of_id == first.pk
    assert WebhookDelivery.objects.count() == 2


def test_watched_statements_still_see_each_insert(shop):
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    wrapped = []

    def wrapper(execute, sql, params, many, context):
        wrapped.append(sql)
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured:
        first = receive(shop, headers, body, verified=True)
    with connection.execute_wrapper(wrapper):
        again = receive(shop, headers, body, verified=True)

    assert statements([query["sql"] for query in captured.captured_queries]) == ["INSERT"]
    assert again.state == DeliveryState.DUPLICATE
    assert again.duplicate_of_id == first.pk
    # The refused INSERT, the lookup of the first delivery, the INSERT of the duplicate.
    assert statements(wrapped) == ["INSERT", "SELECT", "INSERT"]
    assert WebhookDelivery.objects.get(pk=first.pk).delivery_id == "w-1"


def statements(sqls: list[str]) -> list[str]:
    """The kind of each statement, without the test transaction's savepoints around them."""
    kinds = [sql.split()[0].upper() for sql in sqls]
    return [kind for kind in kinds if kind not in {"SAVEPOINT", "RELEASE", "ROLLBACK"}]
