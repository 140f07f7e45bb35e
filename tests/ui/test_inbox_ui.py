"""The webhook inbox pages: states with counts, a delivery's detail, re-processing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from stammkunde.connectors.inbox import receive
from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.inbox.services import process_waiting
from stammkunde.connectors.models import DeliveryState
from tests.connectors.test_inbox_helpers import SECRET, shopify_delivery
from tests.factories import make_staff_user


@pytest.fixture
def admin_user(db):
    """Ingrid runs the shop systems and connects them."""
    return make_staff_user("ingrid", role="Admin")


@pytest.fixture
def inbox(db):
    """One delivery in each interesting state: processed, duplicate, rejected, failed, waiting."""
    shop = connect_shop(by=None, name="Kaffee", platform="shopify", webhook_secret=SECRET).shop
    deliveries = {}
    headers, body = shopify_delivery(1001, webhook_id="w-ok", first_name="Jürgen")
    deliveries["processed"] = receive(shop, headers, body, verified=True)
    deliveries["duplicate"] = receive(shop, headers, body, verified=True)
    headers, body = shopify_delivery(1002, webhook_id="w-forged")
    deliveries["rejected"] = receive(shop, headers, body, verified=False)
    headers, body = shopify_delivery(1003, webhook_id="w-bad", quantity=-1)
    deliveries["failed"] = receive(shop, headers, body, verified=True)
    process_waiting()
    headers, body = shopify_delivery(1004, webhook_id="w-later")
    deliveries["received"] = receive(shop, headers, body, verified=True)
    for delivery in deliveries.values():
        delivery.refresh_from_db()
    return deliveries


def test_inbox_lists_counts_per_state(client, admin_user, inbox):
    client.force_login(admin_user)

    response = client.get(reverse("ui:inbox"))

    counts = {count.state: count.count for count in response.context["counts"]}
    assert counts == {
        "received": 1,
        "processing": 0,
        "processed": 1,
        "duplicate": 1,
        "rejected": 1,
        "failed": 1,
        "ignored": 0,
    }
    assert len(response.context["deliveries"]) == 5


def test_inbox_filters_by_state_and_shows_the_reason(client, admin_user, inbox):
    client.force_login(admin_user)

    response = client.get(reverse("ui:inbox"), {"state": "failed"})

    assert [d.pk for d in response.context["deliveries"]] == [inbox["failed"].pk]
    assert "The data sent does not have the expected form." in response.content.decode()
    # The technical text stays on the delivery's page.
    detail = client.get(reverse("ui:delivery-detail", args=[inbox["failed"].pk]))
    assert inbox["failed"].error[:40] in detail.content.decode()


@pytest.mark.parametrize(
    ("language", "signature", "payload"),
    [
        ("de", "Die Signatur fehlt oder ist falsch.", "nicht die erwartete Form"),
        ("en", "The signature is missing or wrong.", "not have the expected form"),
    ],
)
def test_stored_reasons_are_told_in_the_readers_language(
    client, admin_user, inbox, language, signature, payload
):
    # Both were written by a worker without a language; the reader's decides (issue 15).
    assert (inbox["rejected"].error_code, inbox["failed"].error_code) == (
        "signature",
        "payload_invalid",
    )
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(reverse("ui:inbox")).content.decode()

    assert signature in page
    assert payload in page


def test_a_row_without_a_reason_code_shows_its_technical_text(client, admin_user, inbox):
    # Rows written before the code existed keep their text as it was stored.
    from stammkunde.connectors.models import WebhookDelivery

    WebhookDelivery.objects.filter(pk=inbox["failed"].pk).update(
        error_code="", error="ApplyError: quantity -1 below zero"
    )
    client.force_login(admin_user)

    response = client.get(reverse("ui:inbox"), {"state": "failed"})

    assert "ApplyError: quantity -1 below zero" in response.content.decode()


def test_a_bogus_filter_shows_everything(client, admin_user, inbox):
    client.force_login(admin_user)
    response = client.get(reverse("ui:inbox"), {"state": "<script>", "shop": "x", "page": "-4"})
    assert response.status_code == 200
    assert len(response.context["deliveries"]) == 5


def test_delivery_detail_shows_headers_body_and_touched_customer(client, admin_user, inbox):
    client.force_login(admin_user)

    response = client.get(reverse("ui:delivery-detail", args=[inbox["processed"].pk]))

    page = response.content.decode()
    assert "X-Shopify-Topic" in page
    assert "&quot;id&quot;: 1001," in page  # the body, indented and escaped
    assert "Jürgen" in page
    assert response.context["can_reprocess"] is False


def test_admin_reprocesses_a_failed_delivery(client, admin_user, inbox):
    client.force_login(admin_user)
    failed = inbox["failed"]
    page = client.get(reverse("ui:delivery-detail", args=[failed.pk])).content.decode()
    assert reverse("ui:delivery-reprocess", args=[failed.pk]) in page

    response = client.post(reverse("ui:delivery-reprocess", args=[failed.pk]))

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == DeliveryState.RECEIVED


def test_reprocessing_needs_post_and_a_failed_delivery(client, admin_user, inbox):
    client.force_login(admin_user)
    assert (
        client.get(reverse("ui:delivery-reprocess", args=[inbox["failed"].pk])).status_code == 405
    )
    client.post(reverse("ui:delivery-reprocess", args=[inbox["processed"].pk]))
    inbox["processed"].refresh_from_db()
    assert inbox["processed"].state == DeliveryState.PROCESSED


def test_team_lead_and_agent_cannot_see_or_reprocess(client, team_lead, agent, inbox):
    for user in (team_lead, agent):
        client.force_login(user)
        assert client.get(reverse("ui:inbox")).status_code == 403
        assert (
            client.get(reverse("ui:delivery-detail", args=[inbox["failed"].pk])).status_code == 403
        )
        response = client.post(reverse("ui:delivery-reprocess", args=[inbox["failed"].pk]))
        assert response.status_code == 403
    inbox["failed"].refresh_from_db()
    assert inbox["failed"].state == DeliveryState.FAILED


def test_an_unknown_delivery_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("ui:delivery-detail", args=[999999])).status_code == 404
