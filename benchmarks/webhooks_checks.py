"""What the webhook benchmarks (``webhooks.py``, ``load.py``) count from the database after a
run, independently of the inbox code: lost and doubled deliveries, customers created twice,
deliveries never answered, and when the inbox was drained."""

from __future__ import annotations

import time
from collections import Counter

from benchmarks.webhooks_load import Delivery, Expected


def check(load: list[Delivery], expected: Expected, shop_id: int) -> dict[str, int]:
    """Count lost and doubled deliveries from the database (independently of the inbox code)."""
    from stammkunde.connectors.models import WebhookDelivery
    from stammkunde.shop.models import Order, OrderLine
    from stammkunde.timeline.models import Activity, ActivityKind

    accepted_ids = {d.webhook_id for d in load if d.valid and d.status // 100 == 2}
    accepted_orders = {d.order_id for d in load if d.valid and d.status // 100 == 2}
    first_rows = Counter(
        WebhookDelivery.objects.filter(shop_id=shop_id, state="processed").values_list(
            "delivery_id", flat=True
        )
    )
    orders = {
        int(external_id): (pk, total)
        for external_id, pk, total in Order.objects.filter(shop_id=shop_id).values_list(
            "external_id", "pk", "total"
        )
    }
    lines = Counter(
        OrderLine.objects.filter(order__shop_id=shop_id).values_list("order_id", flat=True)
    )
    placed = Counter(
        Activity.objects.filter(kind=ActivityKind.ORDER_PLACED).values_list("subject_id", flat=True)
    )
    lost = sum(1 for webhook_id in accepted_ids if first_rows[webhook_id] == 0)
    lost += sum(1 for order_id in accepted_orders if order_id not in orders)
    doubled = sum(count - 1 for count in first_rows.values() if count > 1)
    stale = 0
    for order_id in accepted_orders:
        if order_id not in orders:
            continue
        pk, total = orders[order_id]
        doubled += max(0, placed[pk] - 1)
        doubled += max(0, lines[pk] - expected.lines[order_id])
        # Only meaningful when every update of the order was accepted (the usual case).
        stale += total != expected.total[order_id]
    forged_applied = sum(1 for d in load if not d.valid and d.order_id in orders)
    return {
        "lost": lost,
        "doubled": doubled,
        "stale": stale,
        "forged_applied": forged_applied,
        "orders": len(orders),
    }


def check_accepted(load: list[Delivery], shop_id: int) -> dict[str, int]:
    """After posting only: deliveries answered 200 but not in the inbox, forged ones not 401."""
    from stammkunde.connectors.models import WebhookDelivery

    stored = Counter(
        WebhookDelivery.objects.filter(shop_id=shop_id)
        .exclude(state="rejected")
        .values_list("delivery_id", flat=True)
    )
    answered = Counter(d.webhook_id for d in load if d.valid and d.status // 100 == 2)
    unstored = sum(max(0, count - stored[webhook_id]) for webhook_id, count in answered.items())
    forged_not_401 = sum(1 for d in load if not d.valid and d.status != 401)
    return {"unstored": unstored, "forged_not_401": forged_not_401}


def wait_for_drain(shop_id: int, timeout: float) -> float:
    """Poll until no delivery of the shop waits or is being processed; returns the
    ``perf_counter`` moment that was first seen (at most one poll, 0.1 s, late).

    Timed here rather than from the rows' processed_at: the machine's wall clock may be
    stepped while the benchmark runs, ``perf_counter`` is not."""
    from stammkunde.connectors.models import WebhookDelivery

    pending = WebhookDelivery.objects.filter(shop_id=shop_id, state__in=["received", "processing"])
    deadline = time.monotonic() + timeout
    while pending.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the inbox was not drained within {timeout:.0f} s")
        time.sleep(0.1)
    return time.perf_counter()


def duplicate_customers(load: list[Delivery]) -> int:
    """Customers beyond one per distinct e-mail address among the valid deliveries."""
    from stammkunde.customers.models import Customer

    sent = {f"kunde{d.customer}@example.de" for d in load if d.valid and d.status // 100 == 2}
    return max(0, Customer.objects.count() - len(sent))


def never_answered(load: list[Delivery]) -> int:
    """Valid deliveries none of whose copies got a 2xx answer (the shop gave up on them)."""
    answered = {d.webhook_id for d in load if d.valid and d.status // 100 == 2}
    return len({d.webhook_id for d in load if d.valid} - answered)
