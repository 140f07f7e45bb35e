"""Order objects for the fake shop APIs, built from the platforms' published examples.

(No tests here.) The examples are the project's copy in tests/fixtures/webhooks (see its
SOURCES.md); each order gets its own ids, number, e-mail and times.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"


def load_fixture(name: str) -> Any:
    # Plain floats: they print back exactly as published (395.01), so the fake's answers keep
    # Shopware's JSON numbers; the project's parser reads them as Decimal.
    return json.loads((FIXTURES / name).read_text())


class FakeClock:
    """Seconds that pass only when someone sleeps (the client's ``sleep``); the bucket reads it."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def now(self) -> float:
        with self._lock:
            return self._now


# --- order objects built from the published examples ---------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def shopify_order(index: int, *, created: datetime, updated: datetime | None = None) -> dict:
    """Shopify's REST example order (shopify_python_api order.json) with its own id, number,
    buyer and times; amounts and lines stay those of the example (USD 409.94, 3 lines)."""
    order = copy.deepcopy(load_fixture("shopify/rest-order-shopify_python_api.json")["order"])
    order["id"] = 450789469 + index
    order["order_number"] = 1001 + index
    order["number"] = 1 + index
    order["name"] = f"#{1001 + index}"
    order["created_at"] = _iso(created)
    order["processed_at"] = _iso(created)
    order["updated_at"] = _iso(updated or created)
    email = f"buyer{index}@example.com"
    order["email"] = email
    if isinstance(order.get("customer"), dict):
        order["customer"]["id"] = 207119551 + index
        order["customer"]["email"] = email
    for number, item in enumerate(order.get("line_items", [])):
        item["id"] = 466157049 + index * 10 + number
    return order


def woocommerce_order(index: int, *, created: datetime, updated: datetime | None = None) -> dict:
    """WooCommerce's REST v3 example order 727 ("Create an order") with its own id and times."""
    order = copy.deepcopy(load_fixture("woocommerce/order-created.json"))
    order["id"] = 727 + index
    order["number"] = str(727 + index)
    order["order_key"] = f"wc_order_{index:08d}"
    updated = updated or created
    order["date_created_gmt"] = (
        created.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    )
    order["date_created"] = order["date_created_gmt"]
    order["date_modified_gmt"] = (
        updated.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    )
    order["date_modified"] = order["date_modified_gmt"]
    order["billing"]["email"] = f"buyer{index}@example.com"
    order["customer_id"] = 0 if index % 2 else 25 + index  # every other one a guest checkout
    for number, item in enumerate(order.get("line_items", [])):
        item["id"] = 315 + index * 10 + number
    return order


def shopware_order(index: int, *, created: datetime, updated: datetime | None = None) -> dict:
    """The full Shopware 6 order from the app SDK's payment fixture (order 10077, EUR 395.01)."""
    order = copy.deepcopy(
        load_fixture("shopware6/app-payment-pay-request-app-php-sdk.json")["order"]
    )
    order_id = f"{index + 1:032x}"
    order["id"] = order_id
    order["_uniqueIdentifier"] = order_id
    order["orderNumber"] = str(10077 + index)
    stamp = created.astimezone(UTC).isoformat(timespec="milliseconds")
    order["orderDateTime"] = stamp
    order["createdAt"] = stamp
    order["updatedAt"] = (
        updated.astimezone(UTC).isoformat(timespec="milliseconds") if updated else None
    )
    customer = order.get("orderCustomer") or {}
    customer["email"] = f"buyer{index}@example.com"
    customer["customerId"] = f"{index + 1:032x}"
    customer["orderId"] = order_id
    for item in order.get("lineItems") or []:
        item["orderId"] = order_id
    return order


BUILDERS = {"shopify": shopify_order, "woocommerce": woocommerce_order, "shopware6": shopware_order}


def make_orders(platform: str, count: int, *, start: datetime | None = None) -> list[dict]:
    """``count`` orders one day apart, oldest first."""
    start = start or datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    build = BUILDERS[platform]
    return [build(index, created=start + timedelta(days=index)) for index in range(count)]
