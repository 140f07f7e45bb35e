"""Which token may call which API operation: one row per operation of the REST API
(``tests/api/test_access.py`` reads them from the OpenAPI schema and fails on one without a
row here).

``scope`` is what the token needs: without any token the answer is 401, with every scope but
this one 403, with only this one the operation's success. ``params``, ``query`` and ``body``
fill the request; a string ``"@name"`` stands for the primary key of the world object
``name``. ``bound``: what a token bound to another shop gets when it names this shop's
objects (``"404"``: as if they did not exist; ``""``: nothing shop-specific is named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiRow:
    scope: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    bound: str = "404"


ORDER = {
    "shop": "kaffee",
    "external_id": "o-9",
    "placed_at": "2026-11-30T10:00:00+01:00",
    "email": "neu@example.de",
    "lines": [{"name": "Espresso Bohnen 1 kg", "quantity": 1, "unit_price": "19.90"}],
}

API_ACCESS: dict[str, ApiRow] = {
    "GET /customers": ApiRow("customers:read", bound=""),
    "PUT /customers": ApiRow(
        "customers:write", body={"email": "j.mueller@example.de", "first_name": "Jürgen"}
    ),
    "GET /customers/{customer_id}": ApiRow("customers:read", params={"customer_id": "@customer"}),
    "POST /customers/{customer_id}/merge": ApiRow(
        "customers:merge",
        params={"customer_id": "@customer"},
        body={"merged_id": "@duplicate"},
    ),
    "GET /orders": ApiRow("orders:read", bound=""),
    "PUT /orders": ApiRow("orders:write", body=ORDER),
    "GET /orders/{order_id}": ApiRow("orders:read", params={"order_id": "@order"}),
    "GET /customers/{customer_id}/activities": ApiRow(
        "activities:read", params={"customer_id": "@customer"}
    ),
    "POST /customers/{customer_id}/notes": ApiRow(
        "activities:write", params={"customer_id": "@customer"}, body={"text": "Rückruf erbeten"}
    ),
    "GET /customers/{customer_id}/gdpr-export": ApiRow(
        "customers:privacy", params={"customer_id": "@customer"}
    ),
    "POST /customers/{customer_id}/erasure": ApiRow(
        "customers:privacy", params={"customer_id": "@customer"}
    ),
    "POST /events": ApiRow(
        "events:write",
        query={"shop": "kaffee"},
        body={
            "id": "evt-1",
            "type": "customer.upserted",
            "data": {"id": "c-1", "email": "neu@example.de", "first_name": "Nora"},
        },
    ),
}

# The API's URL names that are not operations: the schema and its docs are public.
API_PAGES: dict[str, int] = {
    "api:openapi-json": 200,
    "api:openapi-view": 200,
    "api:api-root": 404,
}
