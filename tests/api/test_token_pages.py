"""The staff pages for API tokens: an admin creates one, sees its secret once, and revokes it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stammkunde.api.models import ApiToken
from stammkunde.audit.models import AuditAction, AuditEntry
from tests.factories import make_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return make_staff_user("ada", role="Admin")


def _create(client, **data):
    return client.post(reverse("api-tokens:add"), data)


def test_an_admin_creates_a_token_whose_secret_works_once_shown(client, admin_user, shop):
    client.force_login(admin_user)

    response = _create(
        client, name="ERP sync", scopes=["orders:read", "customers:read"], shop=shop.pk
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">([^<]+)<', response.content.decode())[1]
    token = ApiToken.objects.get(name="ERP sync")
    assert token.scopes == ["customers:read", "orders:read"]
    assert token.shop == shop
    assert token.created_by == admin_user
    assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    # The secret opens the API with the granted scope...
    api = client.get("/api/orders", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    # ...and the list shows the token without it.
    listing = client.get(reverse("api-tokens:list")).content.decode()
    assert "ERP sync" in listing and token.prefix in listing and secret not in listing
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="api.apitoken", actor=admin_user
    ).exists()


def test_a_revoked_token_no_longer_opens_the_api(client, admin_user):
    client.force_login(admin_user)
    response = _create(client, name="BI", scopes=["customers:read"])
    secret = re.search(r'id="token-secret">([^<]+)<', response.content.decode())[1]
    token = ApiToken.objects.get(name="BI")

    revoked = client.post(reverse("api-tokens:revoke", args=[token.pk]), follow=True)

    assert "no longer works" in revoked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/customers", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scopes": ["orders:read"]}, "This field is required"),
        ({"name": "No scope"}, "This field is required"),
        ({"name": "Odd", "scopes": ["everything"]}, "Select a valid choice"),
        ({"name": "x" * 101, "scopes": ["orders:read"]}, "at most 100 characters"),
    ],
)
def test_bad_input_gets_the_form_again_with_the_reason(client, admin_user, data, message):
    client.force_login(admin_user)

    response = _create(client, **data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_same_name_twice_is_refused_with_a_message(client, admin_user):
    client.force_login(admin_user)
    _create(client, name="ERP sync", scopes=["orders:read"])

    response = _create(client, name="ERP sync", scopes=["orders:write"])

    assert "exists already" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_only_admins_manage_tokens(client, agent, team_lead, admin_user):
    token = ApiToken.objects.create(name="old", prefix="stk_abcdefgh", token_hash="0" * 64)
    for user in (agent, team_lead):
        client.force_login(user)
        assert client.get(reverse("api-tokens:list")).status_code == 403
        assert _create(client, name="mine", scopes=["orders:read"]).status_code == 403
        assert client.post(reverse("api-tokens:revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1
    client.logout()
    assert client.get(reverse("api-tokens:list")).status_code == 302  # to the login


def test_the_token_pages_speak_german(admin_user):
    from django.test import Client

    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    german.force_login(admin_user)

    page = german.get(reverse("api-tokens:list")).content.decode()
    form = german.get(reverse("api-tokens:add")).content.decode()

    assert "API-Tokens" in page
    assert "Token erstellen" in form and "Berechtigungen" in form
