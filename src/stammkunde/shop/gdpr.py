"""The shop app's part of a GDPR export and erasure: shop accounts, orders and what followed.

Orders are accounting vouchers: kept 8 years from the end of the year they were placed in
(HGB §257, AO §147; 8 instead of 10 years since 2025), withdrawals and returns as business
letters 6 years. Kept orders stay as they are (the invoice data), with the customer erased and
so processing restricted; the others lose the buyer's e-mail and addresses but keep their
amounts, dates and lines, so revenue, KPIs and cohorts stay right. An order still open (placed,
paid or shipped within the last ``OPEN_ORDER_DAYS``) defers the erasure.

A shop's part alone (its redact request for a person who buys elsewhere too,
``ErasureRequest.shop_id``): that shop's accounts go and its orders are detached from the
person (no longer a relationship: the shop's tokens and staff limited to it no longer see
them): past their retention without their personal fields, within it whole, as the shop's
accounting vouchers (``Order.detached_from_id`` names the person until the daily job strips
them when their period ends).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from stammkunde.core.gdpr import (
    ACCOUNTING_VOUCHERS,
    BUSINESS_LETTERS,
    ErasureCheck,
    ErasureRequest,
    Obstacle,
    RetentionDuty,
    end_of_retention,
)
from stammkunde.shop.models import (
    Order,
    OrderStatus,
    Return,
    ReturnStatus,
    ShopAccount,
    Voucher,
    Withdrawal,
    WithdrawalStatus,
)

OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.SHIPPED)
# An order the shop never marked delivered is open only this long; older ones are stale states.
OPEN_ORDER_DAYS = 90


def _money(value: Any) -> str:
    return str(value)


def export_shop_data(customer_id: int) -> dict[str, Any]:
    """Shop accounts and every order with lines, shipments, returns, refunds, withdrawals."""
    orders = (
        Order.objects.filter(customer_id=customer_id)
        .select_related("shop")
        .prefetch_related("lines", "shipments", "returns", "refunds", "withdrawals")
        .order_by("placed_at", "id")
    )
    vouchers = [
        {
            "code": voucher.code,
            "kind": voucher.kind,
            "amount": _money(voucher.amount),
            "currency": voucher.currency,
            "issued_at": voucher.issued_at.isoformat(),
            "redeemed_at": voucher.redeemed_at.isoformat() if voucher.redeemed_at else None,
        }
        for voucher in Voucher.objects.filter(customer_id=customer_id).order_by("issued_at")
    ]
    return {
        "vouchers": vouchers,
        "shop_accounts": [
            {"shop": account.shop.name, "customer_number": account.external_id}
            for account in ShopAccount.objects.filter(customer_id=customer_id).select_related(
                "shop"
            )
        ],
        "orders": [
            {
                "shop": order.shop.name,
                "number": order.number,
                "status": order.status,
                "placed_at": order.placed_at.isoformat(),
                "email": order.email,
                "currency": order.currency,
                "total": _money(order.total),
                "shipping": _money(order.shipping_total),
                "discount": _money(order.discount_total),
                "tax": _money(order.tax_total),
                "refunded": _money(order.refunded_total),
                "billing_address": order.billing_address,
                "shipping_address": order.shipping_address,
                "lines": [
                    {
                        "name": line.name,
                        "sku": line.sku,
                        "quantity": line.quantity,
                        "unit_price": _money(line.unit_price),
                    }
                    for line in order.lines.all()
                ],
                "shipments": [
                    {
                        "carrier": shipment.carrier,
                        "tracking_number": shipment.tracking_number,
                        "shipped_at": shipment.shipped_at.isoformat(),
                        "delivered_at": shipment.delivered_at.isoformat()
                        if shipment.delivered_at
                        else None,
                    }
                    for shipment in order.shipments.all()
                ],
                "returns": [
                    {
                        "reason": item.reason,
                        "status": item.status,
                        "announced_at": item.announced_at.isoformat(),
                        "note": item.note,
                    }
                    for item in order.returns.all()
                ],
                "refunds": [
                    {
                        "amount": _money(refund.amount),
                        "currency": refund.currency,
                        "reason": refund.reason,
                        "refunded_at": refund.refunded_at.isoformat(),
                    }
                    for refund in order.refunds.all()
                ],
                "withdrawals": [
                    {
                        "declared_at": withdrawal.declared_at.isoformat(),
                        "status": withdrawal.status,
                        "channel": withdrawal.channel,
                        "note": withdrawal.note,
                    }
                    for withdrawal in order.withdrawals.all()
                ],
            }
            for order in orders
        ],
    }


def check_shop_erasure(customer_id: int, today: date, shop_id: int | None = None) -> ErasureCheck:
    """Open orders, returns and withdrawals defer; orders and letters within their retention
    period are kept (with ``shop_id``: that shop's only)."""
    orders = _orders_of(customer_id).filter(is_test=False)
    if shop_id is not None:
        orders = orders.filter(shop_id=shop_id)
    recent = today - timedelta(days=OPEN_ORDER_DAYS)
    obstacles = [
        Obstacle("shop", "open_order", {"number": number, "status": status})
        for number, status in orders.filter(
            status__in=OPEN_STATUSES, placed_at__date__gte=recent
        ).values_list("number", "status")
    ]
    obstacles += [
        Obstacle("shop", "open_return", {"number": number})
        for number in Return.objects.filter(
            order__in=orders,
            status__in=(ReturnStatus.ANNOUNCED, ReturnStatus.RECEIVED),
            announced_at__date__gte=recent,
        ).values_list("order__number", flat=True)
    ]
    obstacles += [
        Obstacle("shop", "open_withdrawal", {"number": number})
        for number in Withdrawal.objects.filter(
            order__in=orders,
            status__in=(WithdrawalStatus.RECEIVED, WithdrawalStatus.CONFIRMED),
            declared_at__date__gte=recent,
        ).values_list("order__number", flat=True)
    ]
    duties = []
    years, basis = ACCOUNTING_VOUCHERS
    kept = _within(orders.values_list("placed_at", flat=True), years, today)
    if kept:
        duties.append(
            RetentionDuty("shop", "orders", basis, years, max(kept), len(kept), min(kept))
        )
    letter_years, letter_basis = BUSINESS_LETTERS
    letters = _within(
        [
            *Return.objects.filter(order__in=orders).values_list("announced_at", flat=True),
            *Withdrawal.objects.filter(order__in=orders).values_list("declared_at", flat=True),
        ],
        letter_years,
        today,
    )
    if letters:
        duties.append(
            RetentionDuty(
                "shop",
                "letters",
                letter_basis,
                letter_years,
                max(letters),
                len(letters),
                min(letters),
            )
        )
    return ErasureCheck(obstacles=tuple(obstacles), duties=tuple(duties))


def _orders_of(customer_id: int) -> QuerySet[Order]:
    """The customer's orders and those detached from them and kept as vouchers."""
    return Order.objects.filter(Q(customer_id=customer_id) | Q(detached_from_id=customer_id))


def _within(moments, years: int, today: date) -> list[date]:
    """The ends of retention of the records made at ``moments`` that have not passed."""
    ends = [end_of_retention(timezone.localtime(moment).date(), years) for moment in moments]
    return [end for end in ends if end >= today]


def erase_shop_data(request: ErasureRequest) -> dict[str, int]:
    """Remove the shop accounts; strip e-mail and addresses from orders past their retention
    (amounts, dates and lines stay for the statistics) and notes from returns and withdrawals
    past theirs; orders and letters under a duty stay as they are."""
    customer_id = request.customer_id
    accounts = ShopAccount.objects.filter(customer_id=customer_id)
    orders = _orders_of(customer_id)
    if request.shop_id is not None:
        accounts, orders = (
            accounts.filter(shop_id=request.shop_id),
            orders.filter(shop_id=request.shop_id),
        )
    accounts_deleted, _ = accounts.delete()
    stripped = kept = 0
    passed: list[int] = []
    kept_ids: list[int] = []
    order_duty = request.keeps("shop", "orders")
    years = ACCOUNTING_VOUCHERS[0]
    today = request.today or timezone.localdate()
    fields = ("id", "placed_at", "email", "billing_address", "shipping_address")
    for order in orders.only(*fields):
        end = end_of_retention(timezone.localtime(order.placed_at).date(), years)
        if order_duty is not None and end >= today:
            kept += 1
            kept_ids.append(order.pk)
            continue
        passed.append(order.pk)
        if order.email or order.billing_address or order.shipping_address:
            Order.objects.filter(pk=order.pk).update(
                email="", billing_address={}, shipping_address={}
            )
            stripped += 1
    # Each letter is kept for its own period: one within it does not keep an older one.
    letters_kept = 0
    letter_duty = request.keeps("shop", "letters")
    letter_years = BUSINESS_LETTERS[0]
    for model, moment in ((Return, "announced_at"), (Withdrawal, "declared_at")):
        letters = model.objects.filter(order__in=orders)
        for pk, made_at, note in letters.values_list("pk", moment, "note"):
            end = end_of_retention(timezone.localtime(made_at).date(), letter_years)
            if letter_duty is not None and end >= today:
                letters_kept += 1
            elif note:
                model.objects.filter(pk=pk).update(note="")
    # An order past its period names nobody any more (amounts, dates and lines stay, for the
    # statistics); for a shop's part alone, the kept ones no longer tie the person to the shop.
    Order.objects.filter(pk__in=passed).exclude(detached_from_id=None).update(detached_from_id=None)
    detached = 0
    if request.shop_id is not None:
        detached = Order.objects.filter(pk__in=passed).exclude(customer=None).update(customer=None)
        detached += (
            Order.objects.filter(pk__in=kept_ids)
            .exclude(customer=None)
            .update(customer=None, detached_from_id=customer_id)
        )
    return {
        "shop_accounts_deleted": accounts_deleted,
        "orders_stripped": stripped,
        "orders_kept": kept,
        "letters_kept": letters_kept,
        "orders_detached": detached,
    }
