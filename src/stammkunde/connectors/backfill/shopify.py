"""Shopify Admin REST API: ``GET /admin/api/<version>/orders.json``.

Documented behaviour this client relies on (shopify.dev, REST Admin API "Order" and "Make
paginated requests to the REST Admin API"):

* authentication with the app's Admin API access token in ``X-Shopify-Access-Token``;
* ``status=any`` (the default lists open orders only), ``limit`` up to 250,
  ``created_at_min`` / ``updated_at_min`` (ISO 8601);
* cursor pagination: the ``Link`` header carries the URL of the next page with ``page_info``;
  a request with ``page_info`` may carry only ``limit`` (the filters travel in the cursor);
* the leaky bucket: ``X-Shopify-Shop-Api-Call-Limit: 32/40`` says how full it is (it drains
  2 calls a second on standard plans), and a full bucket answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from stammkunde.connectors.backfill.http import ApiSession, RetryPolicy, parse_json
from stammkunde.connectors.backfill.pages import OrderPage, OrderQuery, order_objects, utc_iso

API_VERSION = "2025-07"
PAGE_SIZE = 250
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
# Calls per second the bucket drains on standard plans (Shopify Plus drains faster; waiting
# as if it were standard only costs a little time there).
LEAK_RATE = 2.0
# Keep this many calls free in the bucket for the shop's other apps and our own retries.
HEADROOM = 4


def call_limit_wait(header: str | None, *, headroom: int = HEADROOM) -> float:
    """Seconds to wait before the next call so the bucket keeps ``headroom`` calls free."""
    if not header or "/" not in header:
        return 0.0
    used_text, _, limit_text = header.partition("/")
    try:
        used, limit = int(used_text.strip()), int(limit_text.strip())
    except ValueError:
        return 0.0
    over = used - (limit - headroom)
    return max(0.0, over / LEAK_RATE) if over > 0 else 0.0


def api_root(base_url: str) -> str:
    """``https://shop.myshopify.com`` (or a URL already ending in /admin/api/<version>)."""
    base = base_url.rstrip("/")
    if "/admin/api/" in base:
        return base
    return f"{base}/admin/api/{API_VERSION}"


class ShopifyClient:
    platform = "shopify"

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.root = api_root(base_url)
        self.access_token = access_token
        self.page_size = page_size
        self.http = ApiSession(retry=retry, on_response=self._respect_call_limit)

    def _respect_call_limit(self, response: requests.Response) -> None:
        wait = call_limit_wait(response.headers.get(CALL_LIMIT_HEADER))
        if wait > 0 and response.status_code != 429:  # a 429 waits by its Retry-After
            self.http.retry.sleep(wait)

    def _headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self.access_token, "Accept": "application/json"}

    def _filters(self, query: OrderQuery) -> dict[str, str]:
        params = {"status": "any"}
        if query.created_since is not None:
            params["created_at_min"] = utc_iso(query.created_since)
        if query.updated_since is not None:
            params["updated_at_min"] = utc_iso(query.updated_since)
        return params

    def count_orders(self, query: OrderQuery) -> int | None:
        """How many orders the query matches (``orders/count.json``), for the progress bar."""
        response = self.http.request(
            "GET",
            f"{self.root}/orders/count.json",
            params=self._filters(query),
            headers=self._headers(),
        )
        count = parse_json(response)
        value = count.get("count") if isinstance(count, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def fetch_orders(self, cursor: str, query: OrderQuery) -> OrderPage:
        """One page of orders; ``cursor`` is the ``page_info`` of the page ("" for the first)."""
        if cursor:
            params: dict[str, object] = {"limit": self.page_size, "page_info": cursor}
        else:
            params = {**self._filters(query), "limit": self.page_size}
        response = self.http.request(
            "GET", f"{self.root}/orders.json", params=params, headers=self._headers()
        )
        body = parse_json(response)
        orders = order_objects(body.get("orders") if isinstance(body, dict) else None, "orders")
        return OrderPage(orders=orders, next_cursor=_next_page_info(response))


def _next_page_info(response: requests.Response) -> str:
    """The ``page_info`` of the Link header's rel="next" URL, "" when there is none."""
    url = response.links.get("next", {}).get("url", "")
    if not url:
        return ""
    values = parse_qs(urlsplit(url).query).get("page_info", [])
    return values[0] if values else ""
