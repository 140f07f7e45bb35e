"""Shopify fulfilments and refunds (webhook bodies, or embedded in an order object)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    ZERO,
    DeliveryConfirmed,
    RefundRecorded,
    ReturnedLine,
    ReturnRecorded,
    ShipmentRecorded,
    ShopEvent,
)
from stammkunde.connectors.platforms.base import (
    MAX_NOTE_LENGTH,
    PayloadError,
    amount,
    currency,
    identifier,
    object_list,
    quantity,
    require_object,
    required_timestamp,
    text,
)
from stammkunde.shop.models import ReturnReason

# Fulfilments in these states never left the warehouse.
FAILED_FULFILLMENT = frozenset({"cancelled", "error", "failure"})


def fulfillment_events(
    fulfillment: dict, order_id: str, *, is_test: bool = False
) -> list[ShopEvent]:
    """One shipment per tracking number; a delivered shipment status confirms delivery."""
    if fulfillment.get("status") in FAILED_FULFILLMENT:
        return []
    fulfillment_id = identifier(fulfillment.get("id"), "fulfillment id")
    shipped_at = required_timestamp(fulfillment.get("created_at"), "created_at")
    numbers = fulfillment.get("tracking_numbers")
    if not isinstance(numbers, list) or not numbers:
        numbers = [fulfillment.get("tracking_number")] if fulfillment.get("tracking_number") else []
    urls = fulfillment.get("tracking_urls")
    urls = urls if isinstance(urls, list) else [fulfillment.get("tracking_url")]
    carrier = text(fulfillment.get("tracking_company"), "tracking_company", max_length=50)
    events: list[ShopEvent] = []
    for index, number in enumerate(numbers or [""]):
        events.append(
            ShipmentRecorded(
                order_external_id=order_id,
                # The first tracking number keeps the fulfilment's own id; more get a suffix.
                external_id=fulfillment_id if index == 0 else f"{fulfillment_id}#{index}",
                shipped_at=shipped_at,
                carrier=carrier,
                tracking_number=text(number, "tracking_numbers"),
                tracking_url=text(
                    urls[index] if index < len(urls) else "", "tracking_urls", max_length=500
                ),
                is_test=is_test,
            )
        )
    if fulfillment.get("shipment_status") == "delivered":
        events.append(
            DeliveryConfirmed(
                order_external_id=order_id,
                shipment_external_id=fulfillment_id,
                delivered_at=required_timestamp(
                    fulfillment.get("updated_at") or fulfillment.get("created_at"), "updated_at"
                ),
                is_test=is_test,
            )
        )
    return events


def map_refund(refund: dict, *, is_test: bool = False) -> list[ShopEvent]:
    """A refund: the money from its successful refund transactions, and the goods taken back
    (line items restocked as a return)."""
    refund = require_object(refund.get("refund", refund), "refund")
    order_id = identifier(refund.get("order_id"), "order_id")
    refund_id = identifier(refund.get("id"), "id")
    refunded_at = required_timestamp(
        refund.get("processed_at") or refund.get("created_at"), "created_at"
    )
    note = text(refund.get("note"), "note", max_length=MAX_NOTE_LENGTH)
    total = ZERO
    currencies: set[str] = set()
    for transaction in object_list(refund.get("transactions"), "transactions"):
        if transaction.get("kind") == "refund" and transaction.get("status") == "success":
            total += amount(transaction.get("amount"), "transactions.amount")
            if transaction.get("currency"):
                currencies.add(currency(transaction["currency"], "transactions.currency"))
    if len(currencies) > 1:
        raise PayloadError(_("The refund mixes currencies."))
    events: list[ShopEvent] = []
    if total > 0:
        events.append(
            RefundRecorded(
                order_external_id=order_id,
                external_id=refund_id,
                amount=total,
                currency=currencies.pop() if currencies else "",
                refunded_at=refunded_at,
                reason=note[:200],
                is_test=is_test,
            )
        )
    returned = []
    for item in object_list(refund.get("refund_line_items"), "refund_line_items"):
        restock_type = item.get("restock_type")
        # Before restock_type (API 2019-10) a refund said "restock": true for returned goods.
        if restock_type == "return" or (restock_type is None and refund.get("restock") is True):
            returned.append(
                ReturnedLine(
                    quantity=quantity(item.get("quantity"), "refund_line_items.quantity"),
                    line_external_id=identifier(item.get("line_item_id"), "line_item_id"),
                )
            )
    if returned:
        events.append(
            ReturnRecorded(
                order_external_id=order_id,
                external_id=refund_id,
                announced_at=refunded_at,
                reason=ReturnReason.OTHER,
                lines=tuple(returned),
                note=note,
                is_test=is_test,
            )
        )
    return events
