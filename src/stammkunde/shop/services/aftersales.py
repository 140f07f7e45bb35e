"""What follows an order: shipments, deliveries, returns, refunds and withdrawals (Widerruf)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from stammkunde.core.events import publish
from stammkunde.core.plausible import MAX_AMOUNT
from stammkunde.shop import events
from stammkunde.shop.models import (
    WITHDRAWAL_PERIOD,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Shipment,
    Withdrawal,
    WithdrawalStatus,
)
from stammkunde.shop.services.orders import OrderError, _order_event_fields, money
from stammkunde.timeline.formatting import money_params
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

# The key prefix of refunds the service desk makes as goodwill (``goodwill:<grant>``).
GOODWILL_REFUND_PREFIX = "goodwill:"
# A shop reports a refund we made as goodwill after it was paid out: from a little before our
# record (clocks differ) to a month after (payment providers settle late, backfills run later).
GOODWILL_MATCH_BEFORE = timedelta(days=1)
GOODWILL_MATCH_AFTER = timedelta(days=30)
# The other order of events: the shop refunded first (the agent paid back in the shop's back
# office, then recorded the goodwill here). A shop refund up to two weeks old is the same money;
# a day ahead allows for clocks that differ.
PLATFORM_MATCH_BEFORE = timedelta(days=14)
PLATFORM_MATCH_AFTER = timedelta(days=1)
# What a goodwill refund keeps as ``platform_external_id`` when the shop reported that money
# without an id of its own (a non-empty value: an empty one means "not linked yet"). Not an id
# any platform hands out (those are numbers, hex strings or ``re_…``).
PLATFORM_REFUND_WITHOUT_ID = "(without id)"


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


@transaction.atomic
def record_refund(
    order: Order,
    *,
    amount: Decimal,
    refunded_at: datetime,
    reason: str = "",
    external_id: str = "",
    actor_label: str = "",
) -> Refund:
    """Record money paid back; refunds never exceed what the order cost.

    Idempotent on ``external_id``. A platform's refund (webhook or backfill, with or without
    the shop's id) that matches a goodwill refund we recorded first (same order, amount and
    currency, not yet linked, within the window) is linked to it instead of being counted a
    second time; and a goodwill refund that matches a platform refund reported first takes that
    refund over (it keeps the platform's id as ``platform_external_id``) instead of paying it
    again."""
    amount = money(amount)
    if amount <= 0:
        raise OrderError(_("A refund must be a positive amount."))
    if external_id:
        existing = order.refunds.filter(
            Q(external_id=external_id) | Q(platform_external_id=external_id)
        ).first()
        if existing is not None:
            return existing
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not external_id.startswith(GOODWILL_REFUND_PREFIX):
        ours = _unlinked_goodwill_refund(order, amount=amount, refunded_at=refunded_at)
        if ours is not None:
            # The shop reports the money we already recorded: link, never count it twice
            # (also when the shop gave the refund no id: any refund not keyed by us is its).
            ours.platform_external_id = external_id or PLATFORM_REFUND_WITHOUT_ID
            ours.save(update_fields=["platform_external_id"])
            return ours
    if external_id.startswith(GOODWILL_REFUND_PREFIX):
        theirs = _unclaimed_platform_refund(order, amount=amount, refunded_at=refunded_at)
        if theirs is not None:
            # The shop paid this back already: the goodwill is that refund, not a second one.
            theirs.platform_external_id = theirs.external_id or PLATFORM_REFUND_WITHOUT_ID
            theirs.external_id = external_id
            theirs.save(update_fields=["external_id", "platform_external_id"])
            return theirs
    if order.refunded_total + amount > order.total:
        raise OrderError(_("Refunds would exceed the order total."))
    if order.refunded_total + amount >= MAX_AMOUNT:
        # Only where a stored total does not fit its column (SQLite does not enforce it):
        # the refunded total must, or PostgreSQL refuses the write.
        raise OrderError(
            _("The refunded total would reach %(max)s, more than an order can hold.")
            % {"max": MAX_AMOUNT}
        )
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        currency=order.currency,
        reason=reason[:200],
        refunded_at=refunded_at,
        external_id=external_id,
    )
    order.refunded_total = order.refunded_total + amount
    order.save(update_fields=["refunded_total", "updated_at"])
    if order.customer_id:
        record_activity(
            customer_id=order.customer_id,
            kind=ActivityKind.REFUND_ISSUED,
            channel=Channel.SHOP,
            direction=Direction.OUTBOUND,
            params={"number": order.number, **money_params(amount, order.currency)},
            occurred_at=refunded_at,
            actor_label=actor_label or order.shop.name,
            subject=refund,
        )
    publish(
        events.RefundIssued(
            **_order_event_fields(order, refunded_at),
            refund_id=refund.pk,
            amount=amount,
            currency=order.currency,
        )
    )
    return refund


def _unlinked_goodwill_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """The oldest goodwill refund of ``order`` with this amount and the order's currency, not
    yet linked to a platform refund, recorded within the plausible window before
    ``refunded_at``."""
    return (
        order.refunds.select_for_update()
        .filter(
            external_id__startswith=GOODWILL_REFUND_PREFIX,
            platform_external_id="",
            amount=amount,
            currency=order.currency,
            refunded_at__gte=refunded_at - GOODWILL_MATCH_AFTER,
            refunded_at__lte=refunded_at + GOODWILL_MATCH_BEFORE,
        )
        .order_by("refunded_at", "pk")
        .first()
    )


def matching_platform_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """The platform refund a goodwill refund of ``amount`` at ``refunded_at`` would take over
    (see ``record_refund``), or None: the oldest of ``order`` with this amount and the order's
    currency, reported by the shop (its own id or none, not one of ours), not linked to a
    goodwill refund yet, from the two weeks before."""
    return (
        order.refunds.filter(
            platform_external_id="",
            amount=money(amount),
            currency=order.currency,
            refunded_at__gte=refunded_at - PLATFORM_MATCH_BEFORE,
            refunded_at__lte=refunded_at + PLATFORM_MATCH_AFTER,
        )
        .exclude(external_id__startswith=GOODWILL_REFUND_PREFIX)
        .order_by("refunded_at", "pk")
        .first()
    )


def _unclaimed_platform_refund(
    order: Order, *, amount: Decimal, refunded_at: datetime
) -> Refund | None:
    """``matching_platform_refund``, locked for the takeover (the order row is locked already,
    so two grants cannot take the same refund)."""
    found = matching_platform_refund(order, amount=amount, refunded_at=refunded_at)
    if found is None:
        return None
    return Refund.objects.select_for_update().get(pk=found.pk)


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
