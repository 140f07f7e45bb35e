"""Applying normalized events to the database: fixtures end to end, idempotency, staleness,
refunds, returns and bad data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.applying import ApplyError, apply_events
from stammkunde.connectors.platforms import adapter_for
from stammkunde.customers.models import ConsentEvent, Customer
from stammkunde.shop.models import Order, Platform, Refund, Shipment
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.applying_helpers import FIXTURES, deliver, make_shop


@pytest.fixture
def shopify(db):
    return make_shop(Platform.SHOPIFY)


def test_shopify_order_fulfilment_refund(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    deliver(shopify, "webhooks/shopify/fulfillments-create.json", "fulfillments/create")
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    order = Order.objects.get(shop=shopify, external_id="820982911946154508")
    assert order.number == "#9999"
    assert order.is_test is True
    assert order.status == "cancelled"
    assert order.total == Decimal("404.95")
    assert order.subtotal == Decimal("414.95")  # 89.99 + 19.99 + 24.99 + 159.99 + 119.99
    assert order.refunded_total == Decimal("85.00")
    assert order.currency == "USD"
    assert [line.sku for line in order.lines.all()] == [
        "SKU2006-001",
        "LENS-PROTECT-2YR",
        "CASE-LEATHER-PREM",
        "SKU2006-020",
        "SKU2006-035",
    ]
    [shipment] = order.shipments.all()
    assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1z827wk74630")
    customer = order.customer
    assert customer.email == "john@example.com"
    assert (customer.first_name, customer.last_name) == ("John", "Smith")
    kinds = set(Activity.objects.filter(customer=customer).values_list("kind", flat=True))
    assert {"order_placed", "order_cancelled", "order_shipped", "refund_issued"} <= kinds


def test_redelivery_changes_nothing(shopify):
    for _ in range(2):
        deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
        deliver(shopify, "webhooks/shopify/fulfillments-create.json", "fulfillments/create")
        deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    assert Order.objects.count() == 1
    assert Shipment.objects.count() == 1
    assert Refund.objects.count() == 1
    assert Order.objects.get().refunded_total == Decimal("85.00")
    assert Customer.objects.count() == 1
    assert Activity.objects.filter(kind=ActivityKind.ORDER_PLACED).count() == 1


def test_older_update_never_overwrites_newer(shopify):
    def newer(payload):
        payload["updated_at"] = "2022-01-05T10:00:00-05:00"
        payload["line_items"][0]["quantity"] = 3

    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/updated", newer)
    result = deliver(shopify, "webhooks/shopify/orders-create.json", "orders/updated")
    assert result.stale == 1
    order = Order.objects.get()
    assert order.lines.get(line_number=1).quantity == 3
    assert order.source_updated_at == datetime(2022, 1, 5, 15, 0, tzinfo=UTC)


def test_refund_before_its_order_is_an_apply_error(shopify):
    with pytest.raises(ApplyError, match="is not known yet") as raised:
        deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    assert raised.value.transient is True
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    assert Order.objects.get().refunded_total == Decimal("85.00")


def test_shopify_rest_order_and_rest_refund_with_return(shopify):
    rest = json.loads(
        (FIXTURES / "webhooks/shopify/rest-order-shopify_python_api.json").read_text()
    )
    adapter = adapter_for("shopify")
    apply_events(shopify, adapter.map("orders/create", rest["order"]))
    refund = json.loads(
        (FIXTURES / "webhooks/shopify/rest-refund-shopify_python_api.json").read_text()
    )
    apply_events(shopify, adapter.map("refunds/create", refund["refund"]))
    order = Order.objects.get(external_id="450789469")
    assert order.total == Decimal("409.94")
    assert order.refunded_total == Decimal("209.00")
    [returned] = order.returns.all()
    assert sorted(line.order_line.sku for line in returned.lines.all()) == [
        "IPOD2008BLACK",
        "IPOD2008GREEN",
    ]
    assert order.is_test is False


def test_woocommerce_update_refund_and_tracking(db):
    woo = make_shop(Platform.WOOCOMMERCE)
    deliver(woo, "webhooks/woocommerce/order-created.json", "order.created")
    deliver(woo, "webhooks-own/woocommerce-order-refunded-tracked.json", "order.updated")
    order = Order.objects.get()
    assert order.status == "shipped"
    assert order.refunded_total == Decimal("6.00")
    assert order.shipments.get().tracking_number == "1Z999AA10123456784"
    deliver(woo, "webhooks/woocommerce/order-created.json", "order.deleted", lambda p: None)
    assert Order.objects.get().status == "cancelled"


def test_woocommerce_erpnext_order_in_rupees(db):
    woo = make_shop(Platform.WOOCOMMERCE)
    deliver(woo, "webhooks/woocommerce/order-created-erpnext.json", "order.created")
    order = Order.objects.get()
    assert (order.currency, order.total, order.tax_total) == (
        "INR",
        Decimal("17.70"),
        Decimal("2.70"),
    )
    assert order.customer.email == "strange@erpnext.com"


def test_shopware_placed_shipped_refunded(db):
    shop = make_shop(Platform.SHOPWARE6)
    deliver(shop, "webhooks-own/shopware6-checkout-order-placed.json", "checkout.order.placed")
    deliver(
        shop,
        "webhooks-own/shopware6-delivery-shipped.json",
        "state_enter.order_delivery.state.shipped",
    )
    deliver(
        shop,
        "webhooks-own/shopware6-transaction-refunded.json",
        "state_enter.order_transaction.state.refunded",
    )
    order = Order.objects.get()
    assert (order.number, order.currency, order.total) == ("10077", "EUR", Decimal("395.01"))
    assert order.shipments.get().tracking_number == "00340434161094042557"
    assert order.refunded_total == Decimal("395.01")
    assert order.status == "returned"
    assert order.customer.email == "test@example.com"


def test_generic_lifecycle(db):
    shop = make_shop(Platform.GENERIC)
    for name in [
        "generic-order-upserted.json",
        "generic-shipment-created.json",
        "generic-delivery-confirmed.json",
        "generic-return-created.json",
        "generic-refund-created.json",
        "generic-withdrawal-received.json",
        "generic-customer-upserted.json",
        "generic-consent-changed.json",
    ]:
        payload = json.loads((FIXTURES / "webhooks-own" / name).read_text())
        deliver(shop, f"webhooks-own/{name}", payload["type"])
    order = Order.objects.get()
    # 2 x 18.90 + 12.50 + 4.90 shipping - 5.00 discount
    assert order.total == Decimal("50.20")
    assert order.status == "delivered"
    assert order.refunded_total == Decimal("12.50")
    assert order.shipments.get().delivered_at == datetime(2026, 3, 4, 11, 30, tzinfo=UTC)
    assert order.returns.get().lines.get().order_line.sku == "MK"
    assert order.withdrawals.get().within_period is True
    customer = order.customer
    assert customer.email == "juergen.weiss@example.de"
    assert customer.company == "Rösterei Weiß GmbH"
    assert ConsentEvent.objects.get(customer=customer).granted is True


def test_failing_event_leaves_nothing_half_applied(shopify):
    adapter = adapter_for("shopify")
    payload = adapter.parse((FIXTURES / "webhooks/shopify/orders-create.json").read_bytes())
    events = adapter.map("orders/create", payload)
    bad_refund = ev.RefundRecorded(
        order_external_id="820982911946154508",
        external_id="r-too-much",
        amount=Decimal("9999.00"),
        currency="USD",
        refunded_at=datetime(2022, 1, 2, tzinfo=UTC),
    )
    with pytest.raises(ApplyError, match="exceed the order total") as raised:
        apply_events(shopify, [*events, bad_refund])
    assert raised.value.transient is False
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0


def test_refund_in_another_currency_is_refused(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    refund = ev.RefundRecorded(
        order_external_id="820982911946154508",
        external_id="r1",
        amount=Decimal("5.00"),
        currency="EUR",
        refunded_at=datetime(2022, 1, 2, tzinfo=UTC),
    )
    with pytest.raises(ApplyError, match="in EUR, the order in USD"):
        apply_events(shopify, [refund])


def test_late_paid_update_does_not_move_a_delivered_order_back(db):
    shop = make_shop(Platform.GENERIC)
    for name in [
        "generic-order-upserted.json",
        "generic-shipment-created.json",
        "generic-delivery-confirmed.json",
    ]:
        payload = json.loads((FIXTURES / "webhooks-own" / name).read_text())
        deliver(shop, f"webhooks-own/{name}", payload["type"])

    def later_but_paid(payload):
        payload["data"]["updated_at"] = "2026-03-05T08:00:00+01:00"
        payload["data"]["status"] = "paid"

    deliver(shop, "webhooks-own/generic-order-upserted.json", "order.upserted", later_but_paid)
    assert Order.objects.get().status == "delivered"


def test_order_update_keeps_lines_that_returns_point_at(db):
    shop = make_shop(Platform.GENERIC)
    for name in ["generic-order-upserted.json", "generic-return-created.json"]:
        payload = json.loads((FIXTURES / "webhooks-own" / name).read_text())
        deliver(shop, f"webhooks-own/{name}", payload["type"])

    def later_with_changed_price(payload):
        payload["data"]["updated_at"] = "2026-03-07T08:00:00+01:00"
        payload["data"]["lines"][0]["unit_price"] = "17.90"

    deliver(
        shop, "webhooks-own/generic-order-upserted.json", "order.upserted", later_with_changed_price
    )
    order = Order.objects.get()
    assert order.returns.get().lines.get().order_line.sku == "MK"
    # 2 x 17.90 + 12.50 + 4.90 - 5.00
    assert order.total == Decimal("48.20")
    assert Activity.objects.filter(kind=ActivityKind.ORDER_UPDATED).count() == 1


def test_deleting_an_unknown_order_is_a_no_op(shopify):
    result = deliver(shopify, "webhooks/shopify/orders-delete.json", "orders/delete")
    assert result.orders_updated == []
    assert Order.objects.count() == 0


def test_ten_megabyte_refund_note_is_cut(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    payload = json.loads((FIXTURES / "webhooks/shopify/refunds-create.json").read_text())
    payload["note"] = "x" * 10_000_000
    payload["refund_line_items"][0]["restock_type"] = "return"
    apply_events(shopify, adapter_for("shopify").map("refunds/create", payload))
    refund = Refund.objects.get()
    assert refund.reason == "x" * 200
    assert len(Order.objects.get().returns.get().note) == 10_000


def _goodwill_refund(order, amount, refunded_at, grant=1):
    from stammkunde.shop.services import record_refund

    return record_refund(
        order,
        amount=Decimal(amount),
        refunded_at=refunded_at,
        reason="Goodwill: Kratzer",
        external_id=f"goodwill:{grant}",
    )


# The refund in refunds-create.json: 85.00 USD, processed 2021-12-31T19:00:00-05:00.
REPORTED_AT = datetime(2022, 1, 1, 0, 0, tzinfo=UTC)


def test_a_reported_refund_links_to_the_goodwill_refund_we_made_first(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    order = Order.objects.get()
    ours = _goodwill_refund(order, "85.00", datetime(2021, 12, 30, 9, 0, tzinfo=UTC))
    for _ in range(2):  # the webhook, then a backfill of the same refund
        deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    [refund] = Refund.objects.all()
    assert refund.pk == ours.pk
    assert refund.external_id == "goodwill:1"
    assert refund.platform_external_id == "890088186047892319"
    assert Order.objects.get().refunded_total == Decimal("85.00")
    issued = Activity.objects.filter(kind=ActivityKind.REFUND_ISSUED)
    assert issued.count() == 1


def test_a_reported_refund_of_another_amount_is_a_refund_of_its_own(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    order = Order.objects.get()
    _goodwill_refund(order, "10.00", datetime(2021, 12, 30, 9, 0, tzinfo=UTC))
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    assert Refund.objects.count() == 2
    assert not Refund.objects.exclude(platform_external_id="").exists()
    assert Order.objects.get().refunded_total == Decimal("95.00")


def test_a_goodwill_refund_outside_the_window_is_not_matched(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    order = Order.objects.get()
    _goodwill_refund(order, "85.00", datetime(2021, 11, 1, 9, 0, tzinfo=UTC))  # two months early
    _goodwill_refund(order, "85.00", datetime(2022, 1, 3, 9, 0, tzinfo=UTC), grant=2)  # after it
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    assert Refund.objects.count() == 3
    assert Order.objects.get().refunded_total == Decimal("255.00")


def test_a_goodwill_refund_links_only_once(shopify):
    deliver(shopify, "webhooks/shopify/orders-create.json", "orders/create")
    order = Order.objects.get()
    first = _goodwill_refund(order, "85.00", datetime(2021, 12, 30, 9, 0, tzinfo=UTC))
    _goodwill_refund(order, "85.00", datetime(2021, 12, 31, 9, 0, tzinfo=UTC), grant=2)

    def another(payload):
        payload["id"] = 890088186047892320

    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create")
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create", another)
    deliver(shopify, "webhooks/shopify/refunds-create.json", "refunds/create", another)
    linked = dict(Refund.objects.values_list("external_id", "platform_external_id"))
    assert linked == {"goodwill:1": "890088186047892319", "goodwill:2": "890088186047892320"}
    assert Refund.objects.get(pk=first.pk).platform_external_id == "890088186047892319"
    assert Order.objects.get().refunded_total == Decimal("170.00")
