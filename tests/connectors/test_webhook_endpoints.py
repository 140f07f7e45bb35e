"""The webhook endpoint over HTTP: clear 4xx answers for bad input, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import MAX_BODY_BYTES, process_waiting
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from tests.connectors.test_inbox_helpers import (
    SECRET,
    shopify_delivery,
    shopify_headers,
    shopify_order,
    sign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(db):
    return connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )


def post(client, url, body: bytes, headers: dict, content_type: str = "application/json"):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    extra.pop("HTTP_CONTENT_TYPE", None)
    return client.post(url, data=body, content_type=content_type, **extra)


def test_a_signed_delivery_is_stored_and_answered_200(client, connection):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 200
    assert response.json()["state"] == "received"
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.state == DeliveryState.RECEIVED


def test_the_same_delivery_twice_is_answered_200_and_marked_duplicate(client, connection):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    post(client, connection.webhook_path, body, headers)
    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 200
    assert response.json()["state"] == "duplicate"
    assert sorted(WebhookDelivery.objects.values_list("state", flat=True)) == [
        "duplicate",
        "received",
    ]


@pytest.mark.parametrize("signature", [None, "", "d3Jvbmc=", "not base64 at all ü"])
def test_a_missing_or_wrong_signature_is_401_and_recorded(client, connection, signature):
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    del headers["X-Shopify-Hmac-Sha256"]
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.REJECTED
    assert delivery.error
    assert process_waiting().claimed == 0


def test_a_delivery_signed_with_another_secret_is_401(client, connection):
    body = json.dumps(shopify_order(4711)).encode()
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-1", secret="other")

    assert post(client, connection.webhook_path, body, headers).status_code == 401


def test_only_post_is_allowed(client, connection):
    assert client.get(connection.webhook_path).status_code == 405
    assert client.put(connection.webhook_path, data=b"{}").status_code == 405


def test_an_unknown_shop_or_token_is_404(client, connection):
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    wrong_token = f"/hooks/{connection.shop.slug}/{'x' * len(connection.hook_token)}/"

    assert post(client, "/hooks/no-such-shop/abc/", body, headers).status_code == 404
    assert post(client, wrong_token, body, headers).status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_an_inactive_shop_receives_nothing(client, connection):
    connection.shop.is_active = False
    connection.shop.save(update_fields=["is_active"])
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    assert post(client, connection.webhook_path, body, headers).status_code == 404


def test_an_oversized_body_is_413_before_anything_is_stored(client, connection):
    body = b'{"note": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-big")

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_malformed_json_with_a_valid_signature_is_400_with_the_reason(client, connection):
    body = b'{"id": 4711, "line_items": ['
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-1")

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 400
    assert response.json()["error"]
    assert WebhookDelivery.objects.get().state == DeliveryState.REJECTED


def test_an_unknown_topic_is_400(client, connection):
    body = json.dumps(shopify_order(4711)).encode()
    headers = shopify_headers(body, topic="carts/update", webhook_id="w-1")

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code == 400
    assert "carts/update" in WebhookDelivery.objects.get().error


def test_a_form_encoded_body_is_400_not_500(client, connection):
    body = b"id=4711&email=jon%40example.com"
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-1")

    response = post(
        client,
        connection.webhook_path,
        body,
        headers,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400


def test_the_content_type_is_not_what_decides(client, connection):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    response = post(client, connection.webhook_path, body, headers, content_type="text/plain")

    assert response.status_code == 200


def test_unicode_and_injection_strings_arrive_unchanged(client, connection):
    name = "Zoë'); DROP TABLE customers;-- <script>alert(1)</script> 😀"
    headers, body = shopify_delivery(4711, webhook_id="w-1", first_name=name)

    assert post(client, connection.webhook_path, body, headers).status_code == 200
    process_waiting()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PROCESSED, delivery.error
    from stammkunde.shop.models import Order

    assert Order.objects.get(external_id="4711").customer.first_name == name


def test_a_woocommerce_ping_is_answered_200_and_ignored(client):
    connection = connect_shop(by=None, name="Woo", platform="woocommerce", webhook_secret="s")

    response = client.post(
        connection.webhook_path,
        data=b"webhook_id=17",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().state == DeliveryState.IGNORED
    assert process_waiting().claimed == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300),
    topic=st.text(max_size=30),
    signed=st.booleans(),
)
def test_random_bodies_never_cause_a_server_error(client, connection, body, topic, signed):
    headers = {"X-Shopify-Webhook-Id": "w-random"}
    if topic.isprintable() and topic.isascii():
        headers["X-Shopify-Topic"] = topic
    if signed:
        headers["X-Shopify-Hmac-Sha256"] = sign(body)

    response = post(client, connection.webhook_path, body, headers)

    assert response.status_code in {200, 400, 401}


def test_a_chunked_body_without_length_is_411(client, connection):
    headers, _body = shopify_delivery(4711, webhook_id="w-1")
    request_headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    request_headers.pop("HTTP_CONTENT_TYPE")

    response = client.generic(
        "POST",
        connection.webhook_path,
        data=b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        **request_headers,
    )

    assert response.status_code == 411
