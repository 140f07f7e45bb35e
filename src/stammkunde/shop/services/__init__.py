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
from stammkunde.shop.services.customer_batch import link_shop_accounts
from stammkunde.shop.services.orders import (
    LineInput,
    OrderError,
    OrderInput,
    cancel_order,
    money,
    resolve_customer,
    validate_order,
)
from stammkunde.shop.services.upserting import (
    OrderUpsert,
    is_stale,
    lock_orders,
    upsert_order,
    upsert_orders,
)

__all__ = [
    "LineInput",
    "OrderError",
    "OrderInput",
    "OrderUpsert",
    "cancel_order",
    "is_stale",
    "link_shop_accounts",
    "lock_orders",
    "mark_return_received",
    "money",
    "record_delivery",
    "record_refund",
    "record_return",
    "record_shipment",
    "record_withdrawal",
    "resolve_customer",
    "upsert_order",
    "upsert_orders",
    "validate_order",
    "withdrawal_deadline",
]
