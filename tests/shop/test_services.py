from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stammkunde.customers.models import Customer
from stammkunde.shop.models import Order, OrderStatus, ReturnReason, ShopAccount
from stammkunde.shop.services import (
    LineInput,
    OrderError,
    OrderInput,
    record_refund,
    record_return,
    record_shipment,
    record_withdrawal,
    resolve_customer,
    upsert_order,
)
from stammkunde.timeline.models import Activity, ActivityKind


def order_input(external_id="1001", **overrides):
    fields = {
        "external_id": external_id,
        "placed_at": timezone.now() - timedelta(days=3),
        "lines": [
            LineInput(name="Espresso 1 kg", quantity=2, unit_price=Decimal("18.90"), sku="ESP"),
            LineInput(name="Milchkännchen", quantity=1, unit_price=Decimal("12.50"), sku="MK"),
        ],
        "shipping_total": Decimal("4.90"),
        "email": "Eva@Example.de",
    }
    fields.update(overrides)
    return OrderInput(**fields)


@pytest.mark.django_db
def test_guest_checkout_and_account_are_one_customer_by_email(shop):
    guest = resolve_customer(shop, email="eva@example.de", first_name="Eva")
    with_account = resolve_customer(shop, external_id="C-77", email="EVA@example.de")
    assert guest == with_account
    assert ShopAccount.objects.get(shop=shop, external_id="C-77").customer == guest
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_order_total_is_computed_from_lines_and_timeline_entry_written_once(shop):
    customer = resolve_customer(shop, email="eva@example.de")
    order, created = upsert_order(shop, order_input(), customer=customer)
    assert created is True
    assert order.subtotal == Decimal("50.30")
    assert order.total == Decimal("55.20")
    again, created_again = upsert_order(shop, order_input(), customer=customer)
    assert created_again is False
    assert again.pk == order.pk
    assert order.lines.count() == 2
    placed = Activity.objects.filter(customer=customer, kind=ActivityKind.ORDER_PLACED)
    assert placed.count() == 1


@pytest.mark.django_db
def test_an_older_update_never_overwrites_a_newer_one(shop):
    now = timezone.now()
    upsert_order(shop, order_input(source_updated_at=now, number="A-1"), customer=None)
    stale = order_input(source_updated_at=now - timedelta(minutes=5), number="STALE")
    order, _ = upsert_order(shop, stale, customer=None)
    assert Order.objects.get(pk=order.pk).number == "A-1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([LineInput(name="x", quantity=-1, unit_price=Decimal("1"))], "positive"),
        ([LineInput(name="x", quantity=1, unit_price=Decimal("-1"))], "negative price"),
        ([], "no lines"),
    ],
)
def test_bad_order_data_is_refused_without_leaving_rows(shop, lines, message):
    with pytest.raises(OrderError, match=message):
        upsert_order(shop, order_input(lines=lines), customer=None)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_refunds_cannot_exceed_the_order_total(shop):
    order, _ = upsert_order(shop, order_input(), customer=None)
    record_refund(order, amount=Decimal("50"), refunded_at=timezone.now())
    with pytest.raises(OrderError, match="exceed"):
        record_refund(order, amount=Decimal("5.21"), refunded_at=timezone.now())
    order.refresh_from_db()
    assert order.refunded_total == Decimal("50.00")
    assert order.net_total == Decimal("5.20")


@pytest.mark.django_db
def test_withdrawal_after_fourteen_days_from_delivery_is_flagged_late(shop):
    customer = resolve_customer(shop, email="eva@example.de")
    order, _ = upsert_order(shop, order_input(), customer=customer)
    shipped = timezone.now() - timedelta(days=20)
    record_shipment(
        order, shipped_at=shipped, carrier="DHL", tracking_number="00340434161234567890"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    late = record_withdrawal(order, declared_at=shipped + timedelta(days=15), channel="email")
    in_time = record_withdrawal(order, declared_at=shipped + timedelta(days=13), channel="email")
    assert late.within_period is False
    assert in_time.within_period is True
    shipment = Activity.objects.get(customer=customer, kind=ActivityKind.ORDER_SHIPPED)
    assert shipment.params == {
        "number": order.number,
        "carrier": "DHL",
        "tracking": "00340434161234567890",
    }
    assert shipment.summary == (
        f"Order {order.number} shipped with DHL, tracking number 00340434161234567890"
    )
    withdrawals = Activity.objects.filter(kind=ActivityKind.WITHDRAWAL_RECEIVED).order_by("id")
    assert [entry.params["late"] for entry in withdrawals] == [True, False]


@pytest.mark.django_db
def test_return_quantity_cannot_exceed_what_was_bought(shop):
    order, _ = upsert_order(shop, order_input(), customer=None)
    line = order.lines.get(sku="ESP")
    with pytest.raises(OrderError):
        record_return(
            order, reason=ReturnReason.DEFECTIVE, announced_at=timezone.now(), lines=[(line, 3)]
        )
    returned = record_return(
        order, reason=ReturnReason.DEFECTIVE, announced_at=timezone.now(), lines=[(line, 2)]
    )
    assert returned.lines.get().quantity == 2
