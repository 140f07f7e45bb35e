"""Domain events the shop publishes; higher apps (messaging, retention) subscribe to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from stammkunde.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrderEvent(DomainEvent):
    order_id: int
    shop_id: int
    customer_id: int | None
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(OrderEvent):
    total: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(OrderEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class OrderShipped(OrderEvent):
    shipment_id: int
    carrier: str
    tracking_number: str


@dataclass(frozen=True, kw_only=True)
class OrderDelivered(OrderEvent):
    shipment_id: int


@dataclass(frozen=True, kw_only=True)
class ReturnAnnounced(OrderEvent):
    return_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class RefundIssued(OrderEvent):
    refund_id: int
    amount: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class WithdrawalReceived(OrderEvent):
    withdrawal_id: int
    within_period: bool
