"""Shop models, one module per topic; each is re-exported here for Django and callers."""

from stammkunde.shop.models.aftersales import (
    WITHDRAWAL_PERIOD,
    Refund,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Withdrawal,
    WithdrawalStatus,
)
from stammkunde.shop.models.money import MONEY, ZERO
from stammkunde.shop.models.orders import Order, OrderLine, OrderStatus, Shipment, reversed_number
from stammkunde.shop.models.shops import Platform, Product, Shop, ShopAccount, StaffShopLimit
from stammkunde.shop.models.vouchers import Voucher, VoucherKind

__all__ = [
    "MONEY",
    "WITHDRAWAL_PERIOD",
    "ZERO",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Platform",
    "Product",
    "Refund",
    "Return",
    "ReturnLine",
    "ReturnReason",
    "ReturnStatus",
    "Shipment",
    "Shop",
    "ShopAccount",
    "StaffShopLimit",
    "Voucher",
    "VoucherKind",
    "Withdrawal",
    "WithdrawalStatus",
    "reversed_number",
]
