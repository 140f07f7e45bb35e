"""Fake shop APIs (Shopify, WooCommerce, Shopware 6) on a real local HTTP server in a thread.

The shop's API is the one outside system the backfill talks to, so it is the one thing faked.
The fake answers with the published example objects (``fake_orders``), copied with varied ids,
numbers, e-mails and times, and behaves like the documented APIs: paginated
(Shopify Link/page_info, WooCommerce page/X-WP-TotalPages, Shopware page/limit/total), filtered
by creation and change time, authenticated, rate limited (Shopify's leaky bucket answers 429 with
Retry-After), and able to fail at a chosen page. Time in the bucket runs on a ``FakeClock`` that
the client's injected ``sleep`` advances, so waiting is exact and instant.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.connectors.fake_orders import (  # noqa: F401 (the tests import them from here)
    FakeClock,
    load_fixture,
    make_orders,
    shopify_order,
    shopware_order,
    woocommerce_order,
)

SHOPIFY_TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test_key", "cs_test_secret"
SHOPWARE_ID, SHOPWARE_SECRET = "SWIATESTCLIENTID", "shopware-test-secret"
# The platforms' own error answers.
SHOPIFY_BAD_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
SHOPIFY_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)


# --- the server ---------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    page: int | None = None
    status: int = 0


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class FakeShop:
    """One shop API. ``orders`` can be replaced between requests (the shop changes)."""

    platform: str
    orders: list[dict] = field(default_factory=list)
    page_size: int = 2
    clock: FakeClock = field(default_factory=FakeClock)
    fail_pages: set[int] = field(default_factory=set)  # answer 500 for these pages
    bucket_size: int = 40
    bucket_used: float = 0.0
    throttle_next: list[float] = field(default_factory=list)  # 429s with these Retry-After
    seen: list[Seen] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # Shopware token -> expiry

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._bucket_time = self.clock.now()
        handler = type("Handler", (_Handler,), {"shop": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeShop:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pages_requested(self) -> list[int]:
        """Page numbers of the order list requests, in the order they came (retries included)."""
        return [seen.page for seen in self.seen if seen.page is not None]

    # Shopify's leaky bucket: one call fills one unit, ``LEAK`` units drain per second.
    def _take_call(self) -> tuple[bool, str]:
        now = self.clock.now()
        self.bucket_used = max(0.0, self.bucket_used - 2.0 * (now - self._bucket_time))
        self._bucket_time = now
        if self.bucket_used + 1 > self.bucket_size:
            return False, f"{int(self.bucket_used)}/{self.bucket_size}"
        self.bucket_used += 1
        return True, f"{round(self.bucket_used)}/{self.bucket_size}"


class _Handler(BaseHTTPRequestHandler):
    shop: FakeShop
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        seen = Seen(
            method=self.command,
            path=split.path,
            query={key: values[0] for key, values in parse_qs(split.query).items()},
            body=body,
            headers={key.lower(): value for key, value in self.headers.items()},
        )
        shop = self.shop
        with shop._lock:
            shop.seen.append(seen)
            handler = {
                "shopify": self._shopify,
                "woocommerce": self._woocommerce,
                "shopware6": self._shopware,
            }[shop.platform]
            status, payload, headers = handler(seen)
            seen.status = status
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _generic_limits(self, seen: Seen) -> tuple[int, Any, dict] | None:
        if self.shop.throttle_next:
            wait = self.shop.throttle_next.pop(0)
            return 429, {"errors": "Too many requests"}, {"Retry-After": f"{wait}"}
        if seen.page is not None and seen.page in self.shop.fail_pages:
            return 500, {"errors": "Internal Server Error"}, {}
        return None

    # Shopify ------------------------------------------------------------------------------

    def _shopify(self, seen: Seen) -> tuple[int, Any, dict]:
        shop = self.shop
        if seen.headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return 401, {"errors": SHOPIFY_BAD_TOKEN}, {}
        allowed, level = shop._take_call()
        if not allowed:
            headers = {"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": level}
            return 429, {"errors": SHOPIFY_THROTTLED}, headers
        limit_header = {"X-Shopify-Shop-Api-Call-Limit": level}
        if seen.query.get("status") not in (None, "any") and "page_info" not in seen.query:
            return 400, {"errors": "the fake serves status=any only"}, limit_header
        if seen.path.endswith("/orders/count.json"):
            return 200, {"count": len(self._shopify_filtered(seen.query))}, limit_header
        if not seen.path.endswith("/orders.json"):
            return 404, {"errors": "Not Found"}, limit_header
        if "page_info" in seen.query:
            extra = set(seen.query) - {"page_info", "limit", "fields"}
            if extra:  # documented: with page_info only limit and fields may be sent
                return 400, {"errors": {"page_info": ["Invalid value."]}}, limit_header
            cursor = json.loads(base64.urlsafe_b64decode(seen.query["page_info"]))
            filters, after_id, page = cursor["filters"], cursor["after_id"], cursor["page"]
        else:
            filters = {k: v for k, v in seen.query.items() if k.endswith("_min")}
            after_id, page = 0, 1
        seen.page = page
        failed = self._generic_limits(seen)
        if failed:
            return failed[0], failed[1], {**failed[2], **limit_header}
        limit = int(seen.query.get("limit", 50))
        matching = [order for order in self._shopify_filtered(filters) if order["id"] > after_id]
        chunk = matching[:limit]
        headers = dict(limit_header)
        if len(matching) > limit:
            token = base64.urlsafe_b64encode(
                json.dumps(
                    {"filters": filters, "after_id": chunk[-1]["id"], "page": page + 1}
                ).encode()
            ).decode()
            link = f"{shop.url}{seen.path}?{urlencode({'limit': limit, 'page_info': token})}"
            headers["Link"] = f'<{link}>; rel="next"'
        return 200, {"orders": chunk}, headers

    def _shopify_filtered(self, filters: dict[str, str]) -> list[dict]:
        created = _parse_time(filters.get("created_at_min"))
        updated = _parse_time(filters.get("updated_at_min"))
        orders = sorted(self.shop.orders, key=lambda order: order["id"])
        return [
            order
            for order in orders
            if (created is None or _parse_time(order["created_at"]) >= created)
            and (updated is None or _parse_time(order["updated_at"]) >= updated)
        ]

    # WooCommerce --------------------------------------------------------------------------

    def _woocommerce(self, seen: Seen) -> tuple[int, Any, dict]:
        if seen.path.startswith("/old/"):  # a moved site: WordPress redirects permanently
            return 301, {}, {"Location": self.shop.url + seen.path.removeprefix("/old")}
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if seen.headers.get("authorization") != expected:
            return (
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
                {},
            )
        if seen.path != "/wp-json/wc/v3/orders":
            return (
                404,
                {
                    "code": "rest_no_route",
                    "message": "No route was found matching the URL and request method.",
                    "data": {"status": 404},
                },
                {},
            )
        page = int(seen.query.get("page", 1))
        per_page = int(seen.query.get("per_page", 10))
        seen.page = page
        failed = self._generic_limits(seen)
        if failed:
            return failed
        after = _parse_time(seen.query.get("after"))
        modified = _parse_time(seen.query.get("modified_after"))
        orders = sorted(self.shop.orders, key=lambda order: order["id"])
        matching = [
            order
            for order in orders
            # WooCommerce's after / modified_after are exclusive.
            if (after is None or _parse_time(order["date_created_gmt"]) > after)
            and (modified is None or _parse_time(order["date_modified_gmt"]) > modified)
        ]
        total_pages = max(1, -(-len(matching) // per_page))
        chunk = matching[(page - 1) * per_page : page * per_page]
        return 200, chunk, {"X-WP-Total": str(len(matching)), "X-WP-TotalPages": str(total_pages)}

    # Shopware 6 ---------------------------------------------------------------------------

    def _shopware(self, seen: Seen) -> tuple[int, Any, dict]:
        shop = self.shop
        if seen.path == "/api/oauth/token":
            body = seen.body or {}
            if (
                body.get("grant_type") != "client_credentials"
                or body.get("client_id") != SHOPWARE_ID
                or body.get("client_secret") != SHOPWARE_SECRET
            ):
                return (
                    401,
                    {
                        "errors": [
                            {
                                "code": "0",
                                "status": "401",
                                "title": "Unauthorized",
                                "detail": "The user credentials were incorrect.",
                            }
                        ]
                    },
                    {},
                )
            token = secrets.token_hex(16)
            shop.tokens[token] = shop.clock.now() + 600
            return 200, {"token_type": "Bearer", "expires_in": 600, "access_token": token}, {}
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if shop.tokens.get(token, -1) < shop.clock.now():
            return (
                401,
                {
                    "errors": [
                        {
                            "status": "401",
                            "title": "Unauthorized",
                            "detail": "Access token could not be verified.",
                        }
                    ]
                },
                {},
            )
        if seen.path != "/api/search/order" or seen.method != "POST":
            return 404, {"errors": [{"status": "404", "title": "Not Found"}]}, {}
        criteria = seen.body or {}
        page, limit = int(criteria.get("page", 1)), int(criteria.get("limit", 25))
        seen.page = page
        failed = self._generic_limits(seen)
        if failed:
            return failed
        orders = sorted(shop.orders, key=lambda order: (order["orderDateTime"], order["id"]))
        matching = [o for o in orders if all(_matches(o, f) for f in criteria.get("filter", []))]
        chunk = matching[(page - 1) * limit : page * limit]
        return 200, {"total": len(matching), "data": chunk, "aggregations": []}, {}


def _matches(entity: dict, criterion: dict) -> bool:
    """The two Shopware filter types the client sends: range (gte) and multi (OR/AND)."""
    if criterion["type"] == "multi":
        results = [_matches(entity, query) for query in criterion["queries"]]
        return any(results) if criterion["operator"].upper() == "OR" else all(results)
    if criterion["type"] == "range":
        value = _parse_time(entity.get(criterion["field"]))
        gte = _parse_time(criterion["parameters"].get("gte"))
        return value is not None and (gte is None or value >= gte)
    raise ValueError(f"the fake does not know filter {criterion['type']}")


@contextmanager
def running(platform: str, orders: list[dict] | None = None, **options: Any) -> Iterator[FakeShop]:
    """A started fake shop API, stopped afterwards."""
    shop = FakeShop(platform, list(orders or []), **options).start()
    try:
        yield shop
    finally:
        shop.stop()


def client_for(fake: FakeShop, *, page_size: int = 2, attempts: int = 6, sleep=None):
    """The project's API client of the fake's platform, sleeping on the fake's clock."""
    from stammkunde.connectors.backfill.http import RetryPolicy
    from stammkunde.connectors.backfill.shopify import ShopifyClient
    from stammkunde.connectors.backfill.shopware6 import Shopware6Client
    from stammkunde.connectors.backfill.woocommerce import WooCommerceClient

    retry = RetryPolicy(attempts=attempts, sleep=sleep or fake.clock.sleep)
    if fake.platform == "shopify":
        return ShopifyClient(
            base_url=fake.url, access_token=SHOPIFY_TOKEN, retry=retry, page_size=page_size
        )
    if fake.platform == "woocommerce":
        return WooCommerceClient(
            base_url=fake.url,
            consumer_key=WOO_KEY,
            consumer_secret=WOO_SECRET,
            retry=retry,
            page_size=page_size,
        )
    return Shopware6Client(
        base_url=fake.url,
        client_id=SHOPWARE_ID,
        client_secret=SHOPWARE_SECRET,
        retry=retry,
        page_size=page_size,
        clock=fake.clock.now,
    )
