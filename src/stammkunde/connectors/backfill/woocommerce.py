"""WooCommerce REST API v3: ``GET /wp-json/wc/v3/orders``.

Documented behaviour this client relies on (woocommerce/woocommerce-rest-api-docs, "Orders" and
"Pagination"): HTTP Basic authentication with the consumer key and secret (over HTTPS);
``page`` / ``per_page`` (at most 100) with the totals in ``X-WP-Total`` and
``X-WP-TotalPages``; ``after`` (created after) and ``modified_after`` (WooCommerce 5.8+), read
as UTC with ``dates_are_gmt=true``; ``orderby=id&order=asc`` so orders created during the run
land on later pages instead of shifting the ones still to come.
"""

from __future__ import annotations

from datetime import UTC

from requests.auth import HTTPBasicAuth

from stammkunde.connectors.backfill.http import ApiSession, RetryPolicy, parse_json
from stammkunde.connectors.backfill.pages import OrderPage, OrderQuery, order_objects, page_number

PAGE_SIZE = 100


def _wp_time(moment) -> str:
    # WordPress reads a time without offset in the site's zone unless dates_are_gmt is set.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _header_int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


class WooCommerceClient:
    platform = "woocommerce"

    def __init__(
        self,
        *,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        base = base_url.rstrip("/")
        if "/wp-json/" not in base:
            base = f"{base}/wp-json/wc/v3"
        self.orders_url = base if base.endswith("/orders") else f"{base}/orders"
        self.auth = HTTPBasicAuth(consumer_key, consumer_secret)
        self.page_size = page_size
        self.http = ApiSession(retry=retry)

    def fetch_orders(self, cursor: str, query: OrderQuery) -> OrderPage:
        """One page of orders; ``cursor`` is the page number ("" for the first)."""
        page = page_number(cursor)
        params: dict[str, object] = {
            "page": page,
            "per_page": self.page_size,
            "orderby": "id",
            "order": "asc",
            "dates_are_gmt": "true",
        }
        if query.created_since is not None:
            params["after"] = _wp_time(query.created_since)
        if query.updated_since is not None:
            params["modified_after"] = _wp_time(query.updated_since)
        response = self.http.request(
            "GET",
            self.orders_url,
            params=params,
            headers={"Accept": "application/json"},
            auth=self.auth,
        )
        orders = order_objects(parse_json(response), "orders")
        total_pages = _header_int(response.headers.get("X-WP-TotalPages"))
        # Without the header a short page is the last one.
        more = len(orders) >= self.page_size if total_pages is None else page < total_pages
        return OrderPage(
            orders=orders,
            next_cursor=str(page + 1) if more and orders else "",
            total=_header_int(response.headers.get("X-WP-Total")),
        )
