"""Tokens: hashed storage, Bearer auth, scopes, revocation, the token command."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from stammkunde.api.models import ApiToken
from stammkunde.api.tokens import TokenError, create_token, revoke_token

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_token_is_stored():
    token, secret = create_token(name="erp", scopes=["customers:read"])
    assert secret.startswith("stk_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_request_without_token_is_401_with_json(client):
    response = client.get("/api/customers")
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_401(client):
    response = client.get("/api/customers", headers={"Authorization": "Bearer stk_nope"})
    assert response.status_code == 401


def test_revoked_token_is_401(make_api):
    api = make_api("customers:read")
    assert api.get("/customers").status_code == 200
    revoke_token(ApiToken.objects.get(name="shop-sync"))
    assert api.get("/customers").status_code == 401


def test_missing_scope_is_403_naming_the_scope(make_api):
    api = make_api("orders:read")
    response = api.get("/customers")
    assert response.status_code == 403
    assert response.json() == {"detail": "This token lacks the scope customers:read."}


def test_use_is_noted_on_the_token(make_api):
    api = make_api("customers:read")
    assert ApiToken.objects.get().last_used_at is None
    api.get("/customers")
    assert ApiToken.objects.get().last_used_at is not None


def test_unknown_scope_and_duplicate_name_are_refused():
    with pytest.raises(TokenError, match="Unknown scope"):
        create_token(name="x", scopes=["customers:delete"])
    create_token(name="x", scopes=["customers:read"])
    with pytest.raises(TokenError, match="exists"):
        create_token(name="x", scopes=["customers:read"])


def test_token_command_prints_the_token_once_and_it_works(client):
    out = StringIO()
    call_command(
        "api",
        "token",
        "create",
        "bi-tool",
        "--scope",
        "customers:read",
        stdout=out,
        stderr=StringIO(),
    )
    secret = out.getvalue().strip()
    response = client.get("/api/customers", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    call_command("api", "token", "revoke", "bi-tool", stdout=StringIO())
    response = client.get("/api/customers", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_openapi_page_and_schema_are_served_without_a_cdn(client):
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    schema = client.get("/api/openapi.json").json()
    assert "422" in schema["paths"]["/api/customers"]["put"]["responses"]
    assert schema["components"]["securitySchemes"]
