"""What follows an order: shipments, deliveries, returns and withdrawals (Widerruf); the money
paid back is in ``refunds.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.core.events import publish
from stammkunde.shop import events
from stammkunde.shop.models import (
    WITHDRAWAL_PERIOD,
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    Withdrawal,
    WithdrawalStatus,
)
from stammkunde.shop.services.orders import OrderError, _order_event_fields
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity


@transaction.atomic
def record_shipment(
    order: Order,
    *,
    shipped_at: datetime,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    external_id: str = "",
    actor_label: str = "",
) -> Shipment:
    """Record that (part of) an order left the warehouse.

    A shipment known by the shop's ``external_id`` is not recorded twice; a later report of it
    may add what the first lacked (a fulfilment update brings the tracking number).
    """
    if external_id:
        existing = order.shipments.filter(external_id=external_id).first()
        if existing is not None:
            changes = {
                "carrier": carrier,
                "tracking_number": tracking_number,
                "tracking_url": tracking_url,
            }
            changed = [
                name
                for name, value in changes.items()
                if value and getattr(existing, name) != value
            ]
            for name in changed:
                setattr(existing, name, changes[name])
            if changed:
                existing.save(update_fields=changed)
            return existing
    shipment = Shipment.objects.create(
        order=order,
        external_id=external_id,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        shipped_at=shipped_at,
    )
    if order.status in (OrderStatus.PLACED, OrderStatus.PAID):
        order.status = OrderStatus.SHIPPED
        order.save(update_fields=["status", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_SHIPPED,
            channel=Channel.SHOP,
            direction=Direction.OUTBOUND,
            params={"number": order.number, "carrier": carrier, "tracking": tracking_number},
            occurred_at=shipped_at,
            actor_label=actor_label or order.shop.name,
            subject=shipment,
        )
    publish(
        events.OrderShipped(
            **_order_event_fields(order, shipped_at),
            shipment_id=shipment.pk,
            carrier=carrier,
            tracking_number=tracking_number,
        )
    )
    return shipment


@transaction.atomic
def record_delivery(
    shipment: Shipment, *, delivered_at: datetime, actor_label: str = ""
) -> Shipment:
    """Record that a shipment reached the customer (starts the withdrawal period)."""
    if shipment.delivered_at is not None:
        return shipment
    shipment.delivered_at = delivered_at
    shipment.save(update_fields=["delivered_at"])
    order = shipment.order
    if order.status == OrderStatus.SHIPPED:
        order.status = OrderStatus.DELIVERED
        order.save(update_fields=["status", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.ORDER_DELIVERED,
            channel=Channel.SHOP,
            params={"number": order.number},
            occurred_at=delivered_at,
            actor_label=actor_label or order.shop.name,
            subject=shipment,
        )
    publish(
        events.OrderDelivered(**_order_event_fields(order, delivered_at), shipment_id=shipment.pk)
    )
    return shipment


@transaction.atomic
def record_return(
    order: Order,
    *,
    reason: ReturnReason,
    announced_at: datetime,
    lines: Sequence[tuple[OrderLine, int]],
    note: str = "",
    by: Any | None = None,
    external_id: str = "",
) -> Return:
    """Record a return of some lines of an order (quantities must not exceed what was bought).

    With the shop's ``external_id`` a redelivered return is found and not recorded twice.
    """
    if external_id:
        existing = order.returns.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    if not lines:
        raise OrderError(_("A return needs at least one line."))
    for line, quantity in lines:
        if line.order_id != order.pk:
            raise OrderError(_("A returned line does not belong to this order."))
        if not 0 < quantity <= line.quantity:
            raise OrderError(_("Returned quantity must be between 1 and the quantity bought."))
    return_request = Return.objects.create(
        order=order, reason=reason, announced_at=announced_at, note=note, external_id=external_id
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line=line, quantity=quantity)
        for line, quantity in lines
    )
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.RETURN_RECEIVED,
            channel=Channel.SHOP,
            direction=Direction.INBOUND,
            params={"number": order.number, "reason": ReturnReason(reason).value},
            body=note,
            occurred_at=announced_at,
            actor=by,
            actor_label="" if by else order.shop.name,
            subject=return_request,
        )
    publish(
        events.ReturnAnnounced(
            **_order_event_fields(order, announced_at), return_id=return_request.pk, reason=reason
        )
    )
    return return_request


@transaction.atomic
def mark_return_received(return_request: Return, *, received_at: datetime) -> Return:
    """The returned goods arrived at the warehouse."""
    if return_request.status == ReturnStatus.ANNOUNCED:
        return_request.status = ReturnStatus.RECEIVED
        return_request.received_at = received_at
        return_request.save(update_fields=["status", "received_at"])
        order = return_request.order
        publish(
            events.ReturnReceived(
                **_order_event_fields(order, received_at), return_id=return_request.pk
            )
        )
    return return_request


def withdrawal_deadline(order: Order) -> datetime | None:
    """End of the 14-day withdrawal period: from delivery, else from shipping (or None)."""
    shipments = list(order.shipments.all())
    starts = [s.delivered_at or s.shipped_at for s in shipments]
    return max(starts) + WITHDRAWAL_PERIOD if starts else None


@transaction.atomic
def record_withdrawal(
    order: Order,
    *,
    declared_at: datetime,
    channel: str = "",
    note: str = "",
    by: Any | None = None,
    external_id: str = "",
) -> Withdrawal:
    """Record a customer's withdrawal (Widerruf) and whether it came within the period."""
    if external_id:
        existing = order.withdrawals.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    deadline = withdrawal_deadline(order)
    within = deadline is None or declared_at <= deadline
    withdrawal = Withdrawal.objects.create(
        order=order,
        declared_at=declared_at,
        channel=channel,
        note=note,
        within_period=within,
        status=WithdrawalStatus.RECEIVED,
        external_id=external_id,
    )
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.WITHDRAWAL_RECEIVED,
            channel=channel if channel in Channel.values else Channel.EMAIL,
            direction=Direction.INBOUND,
            params={"number": order.number, "late": not within},
            body=note,
            occurred_at=declared_at,
            actor=by,
            subject=withdrawal,
        )
    publish(
        events.WithdrawalReceived(
            **_order_event_fields(order, declared_at),
            withdrawal_id=withdrawal.pk,
            within_period=within,
        )
    )
    return withdrawal
