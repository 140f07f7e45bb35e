"""Every change to shop data. Each function runs in one transaction, writes the customer's
timeline entry and publishes a domain event on commit."""

from stammkunde.shop.services.aftersales import (
    mark_return_received,
    record_delivery,
    record_refund,
    record_return,
    record_shipment,
    record_withdrawal,
    withdrawal_deadline,
)
from stammkunde.shop.services.orders import (
    LineInput,
    OrderError,
    OrderInput,
    cancel_order,
    money,
    resolve_customer,
    upsert_order,
)

__all__ = [
    "LineInput",
    "OrderError",
    "OrderInput",
    "cancel_order",
    "mark_return_received",
    "money",
    "record_delivery",
    "record_refund",
    "record_return",
    "record_shipment",
    "record_withdrawal",
    "resolve_customer",
    "upsert_order",
    "withdrawal_deadline",
]
