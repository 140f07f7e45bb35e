"""Reads of the webhook inbox: the endpoint's shop lookup and the inbox pages."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.crypto import constant_time_compare

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.connectors.models import DeliveryState, ShopConnection, WebhookDelivery
from stammkunde.shop.models import Shop
from stammkunde.shop.visibility import record_refused, staff_shop_ids

# The endpoint's lookup is remembered per process for this long: it was one of the two queries
# of every delivery, and a shop posts many. Saving or deleting a shop or connection in this
# process forgets everything at once; the other web processes see a changed secret or token,
# or a deactivated shop, within these seconds.
HOOK_CACHE_SECONDS = 5.0
# shop slug -> (when it was read, monotonic clock; the connection with its shop)
_hook_cache: dict[str, tuple[float, ShopConnection]] = {}


def connection_for_hook(shop_slug: str, token: str) -> ShopConnection | None:
    """The active shop connection whose webhook URL this is, or None.

    The instance may be shared with other requests of this process (read it, never change it).
    """
    now = time.monotonic()
    cached = _hook_cache.get(shop_slug)
    if cached is not None and now - cached[0] < HOOK_CACHE_SECONDS:
        connection = cached[1]
    else:
        connection = (
            ShopConnection.objects.select_related("shop")
            .filter(shop__slug=shop_slug, shop__is_active=True)
            .first()
        )
        if connection is None:
            # Unknown slugs are not remembered: anyone can make up as many as they like.
            _hook_cache.pop(shop_slug, None)
            return None
        _hook_cache[shop_slug] = (now, connection)
    if not constant_time_compare(connection.hook_token, token):
        return None
    return connection


def forget_hook_connections(**_kwargs: Any) -> None:
    """Empty this process's cache of ``connection_for_hook`` (after a shop setup changed)."""
    _hook_cache.clear()


for _model in (Shop, ShopConnection):
    for _signal in (post_save, post_delete):
        _signal.connect(
            forget_hook_connections, sender=_model, dispatch_uid=f"forget_hooks_{_model.__name__}"
        )


def connections(*, by: Any = None) -> QuerySet[ShopConnection]:
    """Every configured shop connection with its shop, by shop name (those of the shops ``by``
    may see)."""
    rows = ShopConnection.objects.select_related("shop").order_by("shop__name")
    shop_ids = staff_shop_ids(by)
    return rows if shop_ids is None else rows.filter(shop_id__in=shop_ids)


def connection_for_staff(connection_id: int, *, by: Any) -> ShopConnection | None:
    """One shop connection for its page (credentials, webhook address), or None: no such
    connection, or (staff limited to shops) another shop's, which leaves a REFUSE row. Its API
    key reads and writes that shop's customers at the platform."""
    found = ShopConnection.objects.select_related("shop").filter(pk=connection_id).first()
    shop_ids = staff_shop_ids(by)
    if found is not None and shop_ids is not None and found.shop_id not in shop_ids:
        record_refused(by=by, object_type="connectors.shopconnection", object_id=connection_id)
        return None
    return found


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


def state_counts(shop_id: int | None = None, *, by: Any = None) -> list[StateCount]:
    """How many deliveries are in each state (all states listed, zeros included), of the
    shops ``by`` may see."""
    deliveries = _in_staff_shops(WebhookDelivery.objects.all(), by)
    if shop_id:
        deliveries = deliveries.filter(shop_id=shop_id)
    counts = dict(
        deliveries.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return [
        StateCount(state, str(label), counts.get(state, 0))
        for state, label in DeliveryState.choices
    ]


def _in_staff_shops(rows: QuerySet[WebhookDelivery], by: Any) -> QuerySet[WebhookDelivery]:
    """``rows`` of the shops a staff member limited to shops may see (all without a limit):
    a delivery's raw payload is its shop's buyers' personal data."""
    shop_ids = staff_shop_ids(by)
    return rows if shop_ids is None else rows.filter(shop_id__in=shop_ids)


def deliveries(
    *, state: str = "", shop_id: int | None = None, by: Any = None
) -> QuerySet[WebhookDelivery]:
    """Inbox rows, newest first, optionally of one state and one shop (without their bodies),
    of the shops ``by`` may see."""
    rows = _in_staff_shops(WebhookDelivery.objects.select_related("shop"), by).defer(
        "body", "headers"
    )
    if state in DeliveryState.values:
        rows = rows.filter(state=state)
    if shop_id:
        rows = rows.filter(shop_id=shop_id)
    return rows.order_by("-id")


def failed_count() -> int:
    return WebhookDelivery.objects.filter(state=DeliveryState.FAILED).count()


def delivery(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_related("shop", "duplicate_of")
        .filter(pk=delivery_id)
        .first()
    )


def delivery_to_reprocess(delivery_id: int, *, by: Any) -> WebhookDelivery | None:
    """The delivery staff ask to process again, or None: no such delivery, or (staff limited
    to shops) another shop's, which leaves a REFUSE row."""
    found = delivery(delivery_id)
    shop_ids = staff_shop_ids(by)
    if found is not None and shop_ids is not None and found.shop_id not in shop_ids:
        record_refused(by=by, object_type="connectors.webhookdelivery", object_id=delivery_id)
        return None
    return found


def delivery_for_staff(delivery_id: int, *, by: Any) -> WebhookDelivery | None:
    """One delivery with its raw payload for the inbox's detail page: the payload holds the
    buyer's personal data, so the read is audited, naming the customers it touched. Another
    shop's delivery is None for staff limited to shops (and leaves a REFUSE row)."""
    found = delivery(delivery_id)
    shop_ids = staff_shop_ids(by)
    if found is not None and shop_ids is not None and found.shop_id not in shop_ids:
        record_refused(by=by, object_type="connectors.webhookdelivery", object_id=delivery_id)
        return None
    if found is not None:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            obj=found,
            customer_ids=_ids((found.result or {}).get("customers")),
            detail="raw payload",
        )
    return found


def pretty_body(delivery: WebhookDelivery, *, limit: int = 200_000) -> str:
    """The body for reading: indented JSON if it is JSON, else the text (cut at ``limit``)."""
    raw = bytes(delivery.body)
    text = raw.decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError, RecursionError):  # not JSON: shown as it came
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "\n…"


def touched_objects(delivery: WebhookDelivery) -> dict[str, list[Any]]:
    """The customers and orders this delivery touched, as far as processing recorded them."""
    from stammkunde.customers.models import Customer
    from stammkunde.shop.models import Order

    result = delivery.result or {}
    customer_ids = _ids(result.get("customers"))
    order_ids = _ids(result.get("orders_created")) + _ids(result.get("orders_updated"))
    return {
        "customers": list(Customer.objects.filter(pk__in=customer_ids)[:20]),
        "orders": list(Order.objects.filter(pk__in=order_ids)[:20]),
    }


def _ids(values: object) -> list[int]:
    """Integer ids from a stored result list (anything else is ignored)."""
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, int)][:20]


def deliveries_of_resource(delivery: WebhookDelivery) -> QuerySet[WebhookDelivery]:
    """Other deliveries about the same order or customer (the resource's history)."""
    if not delivery.resource_key:
        return WebhookDelivery.objects.none()
    return (
        WebhookDelivery.objects.filter(shop_id=delivery.shop_id, resource_key=delivery.resource_key)
        .exclude(pk=delivery.pk)
        .defer("body", "headers")
        .order_by("-id")[:20]
    )
