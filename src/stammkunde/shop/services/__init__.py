"""Every change to shop data. Each function runs in one transaction, writes the customer's
timeline entry and stores its domain event in the same transaction."""

from stammkunde.shop.services.aftersales import (
    mark_return_received,
    record_delivery,
    record_return,
    record_shipment,
    record_withdrawal,
    withdrawal_deadline,
)
from stammkunde.shop.services.customer_batch import (
    link_shop_accounts,
    mark_account_updated,
    record_account_deleted,
)
from stammkunde.shop.services.customer_upsert import (
    Buyer,
    NotInShops,
    upsert_customer,
    upsert_order_for_buyer,
)
from stammkunde.shop.services.orders import (
    LineInput,
    OrderError,
    OrderInput,
    cancel_order,
    money,
    record_order_views,
    resolve_customer,
    validate_order,
)
from stammkunde.shop.services.refunds import record_refund
from stammkunde.shop.services.shops import (
    create_shop,
    customers_of_shop,
    forget_shop_accounts,
    shop_for_imports,
)
from stammkunde.shop.services.staff_limits import limit_staff_to_shops
from stammkunde.shop.services.upserting import (
    OrderUpsert,
    is_stale,
    lock_orders,
    upsert_order,
    upsert_orders,
)

__all__ = [
    "Buyer",
    "LineInput",
    "NotInShops",
    "OrderError",
    "OrderInput",
    "OrderUpsert",
    "cancel_order",
    "create_shop",
    "customers_of_shop",
    "forget_shop_accounts",
    "is_stale",
    "limit_staff_to_shops",
    "link_shop_accounts",
    "lock_orders",
    "mark_account_updated",
    "mark_return_received",
    "money",
    "record_account_deleted",
    "record_delivery",
    "record_order_views",
    "record_refund",
    "record_return",
    "record_shipment",
    "record_withdrawal",
    "resolve_customer",
    "shop_for_imports",
    "upsert_customer",
    "upsert_order",
    "upsert_order_for_buyer",
    "upsert_orders",
    "validate_order",
    "withdrawal_deadline",
]
