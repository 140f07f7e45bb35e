"""Schemathesis generates requests from the OpenAPI schema: no answer may be a 5xx, and every
answer must match the schema (documented status codes, bodies, content types).

All checks run except ``positive_data_acceptance`` (ST202): some rules cannot be said in the
schema (an order's time needs a time zone, a write names a shop unless the token is bound to
one, an event body is free-form JSON checked by its own JSON schema), so schema-valid requests
may rightly get a 400 with a message.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from stammkunde.api.tokens import create_token
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Shop
from stammkunde.wsgi import application


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app's request signals close a connection that is not in autocommit mode (as
    the test's transaction is), which would end that transaction; Django's test client
    suspends this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def some_data(db, shop):
    Shop.objects.create(name="Eigenbau", slug="eigenbau", platform="generic")
    customer = create_customer(by=None, email="kim@example.de", first_name="Kim")
    add_note(customer, by=None, text="Stammkundin")


@pytest.fixture
def bearer(db):
    _token, secret = create_token(
        name="fuzzer",
        scopes=[
            "customers:read",
            "customers:write",
            "customers:merge",
            "orders:read",
            "orders:write",
            "events:write",
            "activities:read",
            "activities:write",
        ],
    )
    return {"Authorization": f"Bearer {secret}"}


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema_and_never_fails(case, bearer, some_data):
    # Raises on any failed schemathesis check (5xx, undocumented status, schema mismatch ...).
    response = case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500
