"""Shop setup pages: an admin adds a shop and finds the webhook URL and secret to paste."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stammkunde.connectors.inbox.connections import connect_shop
from stammkunde.connectors.models import ShopConnection
from tests.factories import make_staff_user


@pytest.fixture
def admin_user(db):
    """Ingrid runs the shop systems and connects them."""
    return make_staff_user("ingrid", role="Admin")


def test_admin_adds_a_shop_and_gets_a_generated_secret(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("ui:shop-add"),
        {
            "platform": "woocommerce",
            "name": "Teeladen Nord",
            "webhook_secret": "",
            "api_base_url": "https://tee.example.de",
            "api_key": "ck_123",
            "api_secret": "cs_456",
        },
    )

    connection = ShopConnection.objects.get(shop__name="Teeladen Nord")
    assert response.status_code == 302
    assert response["Location"] == reverse("ui:shop-detail", args=[connection.pk])
    assert connection.shop.platform == "woocommerce"
    assert len(connection.webhook_secret) >= 32
    assert (connection.api_key, connection.api_secret) == ("ck_123", "cs_456")
    page = client.get(response["Location"]).content.decode()
    assert f"http://testserver/hooks/{connection.shop.slug}/{connection.hook_token}/" in page
    assert connection.webhook_secret in page


def test_a_given_secret_is_kept(client, admin_user):
    client.force_login(admin_user)
    client.post(
        reverse("ui:shop-add"),
        {"platform": "shopify", "name": "Kaffee", "webhook_secret": "shpss_from_shopify"},
    )
    assert ShopConnection.objects.get().webhook_secret == "shpss_from_shopify"


def test_two_shops_with_the_same_name_get_different_addresses(admin_user):
    first = connect_shop(by=admin_user, name="Kaffee", platform="shopify")
    second = connect_shop(by=admin_user, name="Kaffee", platform="shopify")
    assert first.shop.slug != second.shop.slug
    assert first.webhook_path != second.webhook_path


def test_a_csv_shop_cannot_be_connected_for_webhooks(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("ui:shop-add"), {"platform": "csv", "name": "Datei"})
    assert response.status_code == 200
    assert not ShopConnection.objects.exists()


def test_admin_gives_the_shop_a_new_url_and_secret(client, admin_user):
    connection = connect_shop(by=admin_user, name="Kaffee", platform="shopify")
    old_path = connection.webhook_path
    client.force_login(admin_user)

    client.post(
        reverse("ui:shop-detail", args=[connection.pk]),
        {"webhook_secret": "new-secret", "api_base_url": "", "api_key": "", "new_url": "on"},
    )

    connection.refresh_from_db()
    assert connection.webhook_secret == "new-secret"
    assert connection.webhook_path != old_path


@pytest.mark.parametrize("name", ["ui:shop-list", "ui:shop-add"])
def test_service_agents_and_marketing_do_not_manage_shops(client, agent, marketer, name):
    for user in (agent, marketer):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_shop_list_shows_connected_shops_and_the_nav_link(client, admin_user):
    connect_shop(by=admin_user, name="Kaffeerösterei Süd", platform="shopify")
    client.force_login(admin_user)

    page = client.get(reverse("ui:shop-list")).content.decode()

    assert "Kaffeerösterei Süd" in page
    assert f'href="{reverse("ui:shop-list")}"' in page
