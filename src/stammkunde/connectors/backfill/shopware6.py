"""Shopware 6 Admin API: ``POST /api/oauth/token`` and ``POST /api/search/order``.

Documented behaviour this client relies on (shopware/docs, "Admin API" guides: authentication,
search criteria): an integration's access key id and secret give a bearer token through the
``client_credentials`` grant (valid ``expires_in`` seconds, 10 minutes by default); the search
endpoint takes a criteria object (``page``, ``limit``, ``filter``, ``sort``, ``associations``,
``total-count-mode`` 1 = exact total) and answers ``{"total": n, "data": [...]}`` with plain
JSON when asked with ``Accept: application/json``. ``updatedAt`` is null on an order never
changed, so "updated since" also matches orders created since.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils.translation import gettext as _

from stammkunde.connectors.backfill.http import (
    ApiAuthError,
    ApiError,
    ApiSession,
    RetryPolicy,
    parse_json,
)
from stammkunde.connectors.backfill.pages import (
    OrderPage,
    OrderQuery,
    order_objects,
    page_number,
    utc_iso,
)

PAGE_SIZE = 100
# What an order entity needs loaded to map the same way as checkout.order.placed delivers it.
ASSOCIATIONS = {
    "currency": {},
    "lineItems": {},
    "orderCustomer": {},
    "stateMachineState": {},
    "billingAddress": {"associations": {"country": {}}},
    "addresses": {"associations": {"country": {}}},
    "deliveries": {
        "associations": {"stateMachineState": {}, "shippingMethod": {}, "shippingOrderAddress": {}}
    },
    "transactions": {"associations": {"stateMachineState": {}, "paymentMethod": {}}},
}
# Renew the token this many seconds before the shop says it expires.
TOKEN_MARGIN = 30.0


def criteria(page: int, limit: int, query: OrderQuery) -> dict:
    """The search criteria of one page, oldest orders first (stable under new orders)."""
    filters: list[dict] = []
    if query.created_since is not None:
        filters.append(
            {
                "type": "range",
                "field": "orderDateTime",
                "parameters": {"gte": utc_iso(query.created_since)},
            }
        )
    if query.updated_since is not None:
        since = utc_iso(query.updated_since)
        filters.append(
            {
                "type": "multi",
                "operator": "OR",
                "queries": [
                    {"type": "range", "field": "updatedAt", "parameters": {"gte": since}},
                    {"type": "range", "field": "createdAt", "parameters": {"gte": since}},
                ],
            }
        )
    body: dict = {
        "page": page,
        "limit": limit,
        "total-count-mode": 1,
        "sort": [
            {"field": "orderDateTime", "order": "ASC"},
            {"field": "id", "order": "ASC"},
        ],
        "associations": ASSOCIATIONS,
    }
    if filters:
        body["filter"] = filters
    return body


class Shopware6Client:
    platform = "shopware6"

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = base_url.rstrip("/")
        self.api_root = base if base.endswith("/api") else f"{base}/api"
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.clock = clock
        self.http = ApiSession(retry=retry)
        self._token = ""
        self._token_expires = 0.0

    def _access_token(self) -> str:
        if self._token and self.clock() < self._token_expires:
            return self._token
        response = self.http.request(
            "POST",
            f"{self.api_root}/oauth/token",
            json_body={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            headers={"Accept": "application/json"},
        )
        body = parse_json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(_("The shop's token endpoint answered without an access token."))
        expires_in = body.get("expires_in", 600)
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 600.0
        self._token = token
        self._token_expires = self.clock() + max(0.0, lifetime - TOKEN_MARGIN)
        return token

    def _search(self, body: dict) -> dict:
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token()}",
                "Accept": "application/json",
            }
            try:
                response = self.http.request(
                    "POST", f"{self.api_root}/search/order", json_body=body, headers=headers
                )
            except ApiAuthError:
                if attempt == 2:
                    raise
                self._token = ""  # expired early (or revoked): one fresh token, then give up
                continue
            answer = parse_json(response)
            if not isinstance(answer, dict):
                raise ApiError(
                    _("The shop's order search answered something other than an object.")
                )
            return answer
        raise AssertionError("unreachable")

    def fetch_orders(self, cursor: str, query: OrderQuery) -> OrderPage:
        """One page of order entities; ``cursor`` is the page number ("" for the first)."""
        page = page_number(cursor)
        answer = self._search(criteria(page, self.page_size, query))
        orders = order_objects(answer.get("data"), "data")
        total = answer.get("total")
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        more = len(orders) >= self.page_size if total is None else page * self.page_size < total
        return OrderPage(
            orders=orders, next_cursor=str(page + 1) if more and orders else "", total=total
        )
