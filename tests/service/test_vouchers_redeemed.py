"""A later order that quotes a voucher code marks the voucher redeemed (once)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stammkunde.shop.models import Voucher
from stammkunde.shop.services import LineInput, OrderInput, upsert_order
from stammkunde.shop.services.vouchers import issue_voucher
from tests.factories import CustomerFactory, ShopFactory

pytestmark = pytest.mark.django_db


def order_input(external_id: str, codes: tuple[str, ...]) -> OrderInput:
    return OrderInput(
        external_id=external_id,
        placed_at=timezone.now() - timedelta(minutes=5),
        lines=[LineInput(name="Kaffee", quantity=1, unit_price=Decimal("20"))],
        discount_total=Decimal("10"),
        discount_codes=codes,
    )


def test_order_with_our_code_redeems_the_voucher_once():
    customer = CustomerFactory()
    shop = ShopFactory()
    voucher = issue_voucher(
        amount=Decimal("10"), customer_id=customer.pk, source_type="goodwill", source_id=1
    )
    order, _created = upsert_order(
        shop, order_input("A1", (voucher.code.lower(), "SOMMER10")), customer=customer
    )
    voucher.refresh_from_db()
    assert voucher.redeemed_order == order
    assert voucher.redeemed_at == order.placed_at
    second, _created = upsert_order(shop, order_input("A2", (voucher.code,)), customer=customer)
    voucher.refresh_from_db()
    assert voucher.redeemed_order == order  # single use: the first order keeps it
    assert Voucher.objects.filter(redeemed_order=second).count() == 0


def test_shopify_order_payload_carries_its_codes():
    from stammkunde.connectors.platforms import shopify

    payload = {
        "id": 99,
        "name": "#1001",
        "created_at": "2026-12-01T10:00:00+01:00",
        "currency": "EUR",
        "total_price": "10.00",
        "line_items": [{"id": 1, "title": "Kaffee", "quantity": 1, "price": "20.00"}],
        "discount_codes": [{"code": "KUL-ABCD-EFGH", "amount": "10.00"}, "junk"],
    }
    order_event = shopify.map_order(payload)[0]
    assert order_event.discount_codes == ("KUL-ABCD-EFGH",)


def test_woocommerce_coupon_lines_carry_their_codes():
    from stammkunde.connectors.platforms import adapter_for

    woocommerce = adapter_for("woocommerce")
    payload = {
        "id": 727,
        "number": "727",
        "status": "processing",
        "currency": "EUR",
        "date_created_gmt": "2026-12-01T09:00:00",
        "date_modified_gmt": "2026-12-01T09:00:00",
        "total": "10.00",
        "billing": {"email": "kunde@example.de"},
        "line_items": [{"id": 1, "name": "Kaffee", "quantity": 1, "subtotal": "20.00"}],
        "coupon_lines": [{"id": 3, "code": "kul-abcd-efgh", "discount": "10.00"}],
    }
    order_event = woocommerce.map("order.updated", payload)[0]
    assert order_event.discount_codes == ("kul-abcd-efgh",)
