"""The webhook path of the WSGI entry (``stammkunde.wsgi.application``), as gunicorn calls it.

Webhooks bypass the staff pages' middleware and keep their SQLite connection; the endpoint's
shop lookup is cached per process for a few seconds. Django's test client builds its own
handler from settings.MIDDLEWARE, so these tests call the WSGI application itself, with real
commits (no test transaction around the request).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import close_old_connections, connection
from django.test import RequestFactory

from stammkunde import wsgi
from stammkunde.connectors.inbox import queries
from stammkunde.connectors.inbox.connections import connect_shop, update_connection
from stammkunde.connectors.inbox.services import MAX_BODY_BYTES
from stammkunde.connectors.models import DeliveryState, ShopConnection, WebhookDelivery
from stammkunde.shop.models import Shop
from stammkunde.wsgi import application, close_unusable_connections
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery, shopify_headers

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes


def call_wsgi(
    path: str, *, method: str = "POST", body: bytes = b"", headers=None, language="en"
) -> Answer:
    """One request through the WSGI application, as a WSGI server would make it."""
    extra = {
        f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or {}).items()
    }
    extra.pop("HTTP_CONTENT_TYPE", None)
    request = RequestFactory().generic(
        method,
        path,
        data=body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **extra,
    )
    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = response_headers

    chunks = application(request.environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return Answer(
        status=started["status"],
        headers={name: value for name, value in started["headers"] if name != "Set-Cookie"},
        cookies=[value for name, value in started["headers"] if name == "Set-Cookie"],
        body=content,
    )


@pytest.fixture(autouse=True)
def fresh_hook_cache():
    queries.forget_hook_connections()
    yield
    queries.forget_hook_connections()


@pytest.fixture
def hook():
    return connect_shop(
        by=None, name="Kaffeerösterei Süd", platform="shopify", webhook_secret=SECRET
    )


def test_a_signed_delivery_is_stored_raw_and_queued_before_the_200(hook, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from stammkunde.connectors.inbox import services

    monkeypatch.setattr(services.enqueue_after_receive, "_confirmed_at", -1e9)
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    before = time.time()

    answer = call_wsgi(hook.webhook_path, body=body, headers=headers)

    assert answer.status == 200
    assert answer.body == b'{"state": "received"}'
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.RECEIVED
    assert bytes(delivery.body) == body
    assert delivery.headers["X-Shopify-Webhook-Id"] == "w-1"
    assert delivery.headers["X-Shopify-Hmac-Sha256"] == headers["X-Shopify-Hmac-Sha256"]
    assert before - 1 <= delivery.received_at.timestamp() <= time.time()
    assert delivery.topic == "orders/updated"
    assert delivery.resource_key.endswith("4711")
    assert delivery.attempts == 0
    assert delivery.result == {}
    waiting = DBTaskResult.objects.ready().filter(task_path__endswith="process_inbox")
    assert waiting.count() == 1


def test_a_resent_delivery_is_200_and_stored_as_duplicate(hook):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    first = call_wsgi(hook.webhook_path, body=body, headers=headers)
    again = call_wsgi(hook.webhook_path, body=body, headers=headers)

    assert (first.status, again.status) == (200, 200)
    assert again.body == b'{"state": "duplicate"}'
    original = WebhookDelivery.objects.get(state=DeliveryState.RECEIVED)
    duplicate = WebhookDelivery.objects.get(state=DeliveryState.DUPLICATE)
    assert duplicate.duplicate_of_id == original.pk
    assert bytes(duplicate.body) == body


def test_a_wrong_signature_is_401_and_recorded(hook):
    body = shopify_delivery(4711, webhook_id="w-1")[1]
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-1", secret="other")

    answer = call_wsgi(hook.webhook_path, body=body, headers=headers)

    assert answer.status == 401
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.REJECTED
    assert bytes(delivery.body) == body


def test_an_oversized_body_is_413_and_not_stored(hook):
    body = b'{"note": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    headers = shopify_headers(body, topic="orders/create", webhook_id="w-big")

    assert call_wsgi(hook.webhook_path, body=body, headers=headers).status == 413
    assert not WebhookDelivery.objects.exists()


def test_unknown_addresses_and_other_methods_get_the_same_answers_as_before(hook):
    wrong_token = f"/hooks/{hook.shop.slug}/{'x' * len(hook.hook_token)}/"

    assert call_wsgi("/hooks/no-such-shop/abc/", body=b"{}").status == 404
    assert call_wsgi(wrong_token, body=b"{}").status == 404
    assert call_wsgi(hook.webhook_path, method="GET").status == 405


def test_error_messages_follow_the_requested_language(hook):
    english = call_wsgi("/hooks/no-such-shop/abc/", body=b"{}", language="en")
    german = call_wsgi("/hooks/no-such-shop/abc/", body=b"{}", language="de")

    assert "No shop receives webhooks" in json.loads(english.body)["error"]
    assert "empfängt kein Shop" in json.loads(german.body)["error"]


def test_webhooks_skip_the_page_middleware_and_pages_keep_it(hook):
    headers, body = shopify_delivery(4711, webhook_id="w-1")

    webhook = call_wsgi(hook.webhook_path, body=body, headers=headers)
    page = call_wsgi("/login/", method="GET")

    # Security headers on both; sessions, CSRF cookies and frame options only on pages.
    assert webhook.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert any("csrftoken=" in cookie for cookie in page.cookies)
    assert "X-Frame-Options" not in webhook.headers
    assert webhook.cookies == []


def test_a_webhook_keeps_an_sqlite_connection_that_pages_would_close(monkeypatch):
    keeps = connection.vendor == "sqlite"  # PostgreSQL keeps Django's own rule (CONN_MAX_AGE)
    closed: list[bool] = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1  # past its age (CONN_MAX_AGE)

    close_unusable_connections()

    assert closed == ([] if keeps else [True])
    close_old_connections()  # what a page request does first and last
    assert closed, "the settings' age limit still applies to pages"


def test_a_broken_connection_is_closed_after_a_webhook(monkeypatch):
    closed: list[bool] = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    connection.ensure_connection()
    connection.errors_occurred = True

    close_unusable_connections()

    assert closed == [True]


def test_a_connection_used_a_moment_ago_is_not_checked_again_but_an_idle_one_is(hook, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    connection.ensure_connection()
    checks: list[bool] = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or usable())

    def post(number: int) -> int:
        headers, body = shopify_delivery(4700 + number, webhook_id=f"w-{number}")
        return call_wsgi(hook.webhook_path, body=body, headers=headers).status

    assert post(1) == 200
    checked_first = len(checks)
    assert post(2) == 200
    assert len(checks) == checked_first, "used a moment ago: no check"

    connection.webhook_used_at -= wsgi.RECENTLY_USED_SECONDS + 1  # idle since
    assert post(3) == 200
    assert len(checks) == checked_first + 1
    assert WebhookDelivery.objects.count() == 3


def test_a_changed_secret_takes_effect_at_once_in_this_process(hook):
    headers, body = shopify_delivery(4711, webhook_id="w-1")
    assert call_wsgi(hook.webhook_path, body=body, headers=headers).status == 200

    update_connection(ShopConnection.objects.get(), by=None, webhook_secret="rotated")
    old = shopify_delivery(4712, webhook_id="w-2")
    body = old[1]
    new = shopify_headers(body, topic="orders/updated", webhook_id="w-3", secret="rotated")

    assert call_wsgi(hook.webhook_path, body=body, headers=old[0]).status == 401
    assert call_wsgi(hook.webhook_path, body=body, headers=new).status == 200


def test_a_new_url_or_an_inactive_shop_takes_effect_at_once_in_this_process(hook):
    old_path = hook.webhook_path
    assert queries.connection_for_hook(hook.shop.slug, hook.hook_token) is not None

    renewed = update_connection(ShopConnection.objects.get(), by=None, new_url=True)

    assert call_wsgi(old_path, body=b"{}").status == 404
    assert queries.connection_for_hook(hook.shop.slug, renewed.hook_token) is not None
    shop = Shop.objects.get()
    shop.is_active = False
    shop.save(update_fields=["is_active"])
    assert queries.connection_for_hook(hook.shop.slug, renewed.hook_token) is None


def test_a_change_made_elsewhere_takes_effect_within_seconds(hook, monkeypatch):
    # The cache's own clock, moved by the test: a slow machine cannot stretch the window.
    clock = [1000.0]
    monkeypatch.setattr(queries, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    assert queries.connection_for_hook(hook.shop.slug, hook.hook_token).webhook_secret == SECRET

    # What another web process's change looks like here: no signal reaches this process.
    ShopConnection.objects.update(webhook_secret="rotated")
    Shop.objects.update(name="Neu")
    clock[0] += queries.HOOK_CACHE_SECONDS - 0.1
    still = queries.connection_for_hook(hook.shop.slug, hook.hook_token)
    clock[0] += 0.2
    later = queries.connection_for_hook(hook.shop.slug, hook.hook_token)

    assert still.webhook_secret == SECRET  # the cached lookup, for up to HOOK_CACHE_SECONDS
    assert later.webhook_secret == "rotated"
    assert later.shop.name == "Neu"
    Shop.objects.update(is_active=False)
    clock[0] += queries.HOOK_CACHE_SECONDS
    assert queries.connection_for_hook(hook.shop.slug, hook.hook_token) is None


def test_the_promised_delay_is_seconds():
    assert 0 < queries.HOOK_CACHE_SECONDS <= 10


def test_a_cached_shop_still_needs_the_right_token(hook):
    assert queries.connection_for_hook(hook.shop.slug, hook.hook_token) is not None

    assert queries.connection_for_hook(hook.shop.slug, "x" * len(hook.hook_token)) is None
    assert queries.connection_for_hook(hook.shop.slug, "") is None


def test_made_up_shop_names_are_not_remembered(hook):
    for number in range(50):
        assert queries.connection_for_hook(f"guess-{number}", "token") is None

    assert len(queries._hook_cache) == 0
