"""Every operation of the REST API, called with no token, the wrong scopes, the right scope and
a token bound to another shop, against tests/api/access_table.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stammkunde.api.api import api as ninja_api
from stammkunde.api.models import Scope
from stammkunde.api.tokens import create_token
from stammkunde.audit.models import AuditEntry
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Platform, Shop
from tests.api.access_table import API_ACCESS, API_PAGES, ApiRow
from tests.factories import OrderFactory, OrderLineFactory
from tests.ui.access_world import PATTERNS

pytestmark = pytest.mark.django_db


def operations() -> dict[str, str]:
    """``METHOD /path`` of every operation in the OpenAPI schema (without the /api prefix)."""
    found = {}
    for path, methods in ninja_api.get_openapi_schema()["paths"].items():
        for method in methods:
            found[f"{method.upper()} {path.removeprefix('/api')}"] = path
    return found


def test_every_api_operation_has_a_row_in_the_access_table():
    missing = sorted(set(operations()) - set(API_ACCESS))
    assert not missing, (
        "These API operations have no row in tests/api/access_table.py; add one with the "
        "scope they need (and check it in the router): " + ", ".join(missing)
    )
    stale = sorted(set(API_ACCESS) - set(operations()))
    assert not stale, f"Rows for operations that no longer exist: {', '.join(stale)}"


def test_every_api_url_is_an_operation_or_a_listed_page():
    names = {key for key in PATTERNS if key.startswith("api:")}
    views = {
        f"api:{operation.view_func.__name__}"
        for _prefix, router in ninja_api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }
    unknown = sorted(names - views - set(API_PAGES))
    assert not unknown, f"API URLs without a row in tests/api/access_table.py: {unknown}"


def test_the_schema_and_its_docs_are_public_and_the_root_is_not_a_page(client):
    for name, status in API_PAGES.items():
        assert client.get(reverse(name)).status_code == status, name


@pytest.fixture
def world(db) -> dict[str, object]:
    """A customer with an order in the shop "kaffee", a duplicate of it there, and a second
    shop whose bound token must not see them."""
    kaffee = Shop.objects.create(
        name="Kaffeerösterei Süd", slug="kaffee", platform=Platform.GENERIC
    )
    Shop.objects.create(name="Zweitshop", slug="zweitshop", platform=Platform.CSV)
    customer = create_customer(
        by=None, email="j.mueller@example.de", first_name="Jürgen", last_name="Müller"
    )
    order = OrderFactory(
        shop=kaffee, customer=customer, placed_at=timezone.now() - timedelta(days=2)
    )
    OrderLineFactory(order=order)
    add_note(customer, by=None, text="Mag keine Anrufe vor 10 Uhr")
    duplicate = create_customer(by=None, email="juergen.m@example.de", last_name="Müller")
    OrderFactory(shop=kaffee, customer=duplicate)
    return {"customer": customer, "order": order, "duplicate": duplicate}


def _fill(value: object, world: dict[str, object]) -> object:
    if isinstance(value, str) and value.startswith("@"):
        return world[value[1:]].pk  # type: ignore[attr-defined]
    if isinstance(value, dict):
        return {key: _fill(inner, world) for key, inner in value.items()}
    return value


def call(key: str, row: ApiRow, world: dict[str, object], secret: str | None, *, keep=False):
    """Call the operation in a savepoint that is rolled back afterwards (unless ``keep``)."""
    method, path = key.split(" ", 1)
    for name, value in row.params.items():
        path = path.replace(f"{{{name}}}", str(_fill(value, world)))
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = f"/api{path}"
    if row.query:
        url += "?" + "&".join(f"{name}={value}" for name, value in row.query.items())
    with transaction.atomic():
        if row.body is None:
            response = client.generic(method, url, headers=headers)
        else:
            body = json.dumps(_fill(row.body, world))
            response = client.generic(
                method, url, body, content_type="application/json", headers=headers
            )
        transaction.set_rollback(not keep)
    return response


def _secret(*scopes: str, shop: Shop | None = None) -> str:
    _token, secret = create_token(name=f"t-{len(scopes)}-{shop}", scopes=list(scopes), shop=shop)
    return secret


@pytest.mark.parametrize("key", sorted(API_ACCESS))
def test_each_operation_needs_its_scope(key, world):
    row = API_ACCESS[key]
    others = [scope for scope in Scope.values if scope != row.scope]

    anonymous = call(key, row, world, None)
    wrong_scopes = call(key, row, world, _secret(*others))
    right_scope = call(key, row, world, _secret(row.scope))

    assert anonymous.status_code == 401, anonymous.content
    assert wrong_scopes.status_code == 403, wrong_scopes.content
    assert 200 <= right_scope.status_code < 300, right_scope.content


@pytest.mark.parametrize("key", sorted(key for key, row in API_ACCESS.items() if row.bound))
def test_a_token_bound_to_another_shop_finds_nothing_of_this_shop(key, world):
    row = API_ACCESS[key]
    other = Shop.objects.get(slug="zweitshop")
    before = AuditEntry.objects.count()

    response = call(key, row, world, _secret(*Scope.values, shop=other), keep=True)

    assert response.status_code == 404, response.content
    refused = AuditEntry.objects.filter(pk__gt=before, action="refuse")
    assert refused.exists(), "the probe leaves a record in the audit log"
