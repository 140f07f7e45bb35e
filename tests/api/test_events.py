"""POST /api/events: generic events stored in the webhook inbox and answered 202."""

from __future__ import annotations

import pytest

from stammkunde.connectors.models import WebhookDelivery
from stammkunde.shop.models import Shop

pytestmark = pytest.mark.django_db

EVENT = {
    "id": "evt-1",
    "type": "customer.upserted",
    "data": {"id": "c-1", "email": "neu@example.de", "first_name": "Nora"},
}


@pytest.fixture
def generic_shop(db):
    return Shop.objects.create(name="Eigenbau", slug="eigenbau", platform="generic")


def test_event_is_stored_and_answered_202(make_api, generic_shop):
    api = make_api("events:write", shop=generic_shop)
    response = api.post("/events", EVENT)
    assert response.status_code == 202, response.content
    body = response.json()
    delivery = WebhookDelivery.objects.get(pk=body["delivery_id"])
    assert (delivery.source, delivery.delivery_id, delivery.shop) == ("api", "evt-1", generic_shop)
    assert body["event_id"] == "evt-1"
    assert bytes(delivery.body) == response.wsgi_request.body


def test_the_same_event_twice_is_a_duplicate(make_api, generic_shop):
    api = make_api("events:write", shop=generic_shop)
    api.post("/events", EVENT)
    second = api.post("/events", EVENT)
    assert second.status_code == 202
    assert second.json()["state"] == "duplicate"


def test_an_event_of_unknown_type_is_400_and_recorded(make_api, generic_shop):
    api = make_api("events:write", shop=generic_shop)
    response = api.post("/events", {**EVENT, "type": "order.exploded"})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert WebhookDelivery.objects.get().state == "rejected"


def test_unbound_token_names_the_shop_in_the_query(make_api, generic_shop):
    api = make_api("events:write")
    assert api.post("/events", EVENT).status_code == 400
    response = api.client.post(
        "/api/events?shop=eigenbau",
        EVENT,
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 202


def test_events_need_the_events_scope(make_api, generic_shop):
    api = make_api("orders:write", shop=generic_shop)
    assert api.post("/events", EVENT).status_code == 403
    assert not WebhookDelivery.objects.exists()
