"""The load of the webhook benchmark: signed Shopify deliveries and what they should lead to.

Deliveries are shaped like Shopify's published orders/create example (the project's copy in
tests/fixtures/webhooks), with varied order and customer ids, lines and prices; about one in five
is an orders/updated of an earlier order; 10% are re-sent duplicates and 2% carry a forged
signature.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "webhooks" / "shopify" / "orders-create.json"
SECRET = "benchmark-webhook-secret"


@dataclass
class Delivery:
    """One HTTP request of the load: what is sent, and what it should lead to."""

    webhook_id: str
    body: bytes
    topic: str
    signature: str
    order_id: int
    valid: bool = True
    duplicate: bool = False
    status: int = 0
    customer: int = -1  # kunde{customer}@example.de


@dataclass
class Expected:
    """The final state of each order after all valid deliveries (newest update wins)."""

    total: dict[int, Decimal] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)
    updated: dict[int, str] = field(default_factory=dict)


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def shopify_order(template: dict, rng: random.Random, order_id: int, customer: int, at: str):
    order = copy.deepcopy(template)
    email = f"kunde{customer}@example.de"
    lines = []
    for number in range(rng.randint(1, 3)):
        line = copy.deepcopy(template["line_items"][0])
        price = Decimal(rng.randint(199, 9999)) / 100
        line.update(
            id=order_id * 10 + number,
            price=str(price),
            quantity=rng.randint(1, 4),
            sku=f"SKU-{rng.randint(1, 500)}",
            title=rng.choice(["Espresso Bohnen 1 kg", "Filterkaffee Süd", "Tee Grün", "Mühle"]),
            discount_allocations=[],
            tax_lines=[],
        )
        lines.append(line)
    total = sum((Decimal(line["price"]) * line["quantity"] for line in lines), Decimal(0))
    order.update(
        id=order_id,
        name=f"#{order_id}",
        order_number=order_id,
        number=order_id,
        email=email,
        contact_email=email,
        created_at="2026-03-01T09:00:00+01:00",
        processed_at="2026-03-01T09:00:00+01:00",
        updated_at=at,
        cancelled_at=None,
        cancel_reason=None,
        test=False,
        refunds=[],
        fulfillments=[],
        shipping_lines=[],
        discount_codes=[],
        discount_applications=[],
        line_items=lines,
        subtotal_price=str(total),
        total_line_items_price=str(total),
        total_price=str(total),
        current_total_price=str(total),
        total_tax="0.00",
        total_discounts="0.00",
    )
    if isinstance(order.get("customer"), dict):
        order["customer"].update(
            id=7_000_000_000 + customer, email=email, first_name=f"Kunde {customer}"
        )
    return order, total, len(lines)


def build_load(count: int, seed: int) -> tuple[list[Delivery], Expected]:
    """The deliveries in sending order: 88% new valid, 10% duplicates, 2% forged."""
    rng = random.Random(seed)
    template = json.loads(FIXTURE.read_text())
    forged = round(count * 0.02)
    duplicates = round(count * 0.10)
    valid = count - forged - duplicates
    expected = Expected()
    versions: Counter[int] = Counter()
    customers = max(1, valid // 3)
    unique: list[Delivery] = []
    next_order = 5_100_000_000_000
    for index in range(valid):
        if expected.total and rng.random() < 0.2:
            order_id = rng.choice(list(expected.total))
            topic = "orders/updated"
        else:
            order_id, next_order = next_order, next_order + rng.randint(1, 9)
            topic = "orders/create"
        versions[order_id] += 1
        at = (
            f"2026-03-01T{10 + versions[order_id] // 60:02d}:{versions[order_id] % 60:02d}:00+01:00"
        )
        customer = rng.randrange(customers)
        order, total, lines = shopify_order(template, rng, order_id, customer, at)
        body = json.dumps(order).encode()
        unique.append(
            Delivery(f"bench-{index}", body, topic, sign(body), order_id, customer=customer)
        )
        expected.total[order_id], expected.lines[order_id] = total, lines
        expected.updated[order_id] = at
    # Sending order by key: the originals in order, each re-sent copy a little later (Shopify
    # re-sends after a timeout), the forged ones anywhere.
    keyed = [(float(index), delivery) for index, delivery in enumerate(unique)]
    for _ in range(duplicates):
        index = rng.randrange(len(unique))
        copy_of = Delivery(**{**unique[index].__dict__, "duplicate": True})
        keyed.append((index + rng.uniform(1, 200), copy_of))
    for index in range(forged):
        order_id = 9_000_000 + index
        order, _total, _lines = shopify_order(
            template, rng, order_id, 0, "2026-03-01T10:00:00+01:00"
        )
        body = json.dumps(order).encode()
        bad = base64.b64encode(hashlib.sha256(body).digest()).decode()
        forgery = Delivery(f"forged-{index}", body, "orders/create", bad, order_id, valid=False)
        keyed.append((rng.uniform(0, len(unique)), forgery))
    keyed.sort(key=lambda pair: pair[0])
    load = [delivery for _key, delivery in keyed]
    return load, expected
