"""Domain events the shop publishes; higher apps (messaging, retention) subscribe to them.

``occurred_at`` is when it happened at the shop (the order's placement, the shipment's
dispatch), not when we learnt of it; ``origin`` says how we learnt of it (``core.origin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stammkunde.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrderEvent(DomainEvent):
    order_id: int
    shop_id: int
    customer_id: int | None


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
class ReturnReceived(OrderEvent):
    """The returned goods arrived at the shop's warehouse."""

    return_id: int


@dataclass(frozen=True, kw_only=True)
class RefundIssued(OrderEvent):
    refund_id: int
    amount: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class WithdrawalReceived(OrderEvent):
    withdrawal_id: int
    within_period: bool


@dataclass(frozen=True, kw_only=True)
class OrdersImported(DomainEvent):
    """New orders written in bulk (CSV import, demo data): one event per written batch instead
    of one ``OrderPlaced`` per order. ``occurred_at`` is when the batch was written (each
    order's placement time is on the order); the origin (``import``, ``demo``) marks it as
    history."""

    shop_id: int
    order_ids: tuple[int, ...]
