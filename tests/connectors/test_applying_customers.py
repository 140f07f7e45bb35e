"""Applying shop data about people: identity across shops, profile updates, consent, privacy
requests and deleted accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.applying import apply_events
from stammkunde.connectors.platforms import adapter_for
from stammkunde.customers.models import ConsentSource, Customer
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.profile import update_customer
from stammkunde.shop.models import Order, Platform
from stammkunde.timeline.models import Activity, ActivityKind
from tests.connectors.applying_helpers import FIXTURES, deliver, make_shop


@pytest.fixture
def shopify(db):
    return make_shop(Platform.SHOPIFY)


def test_guest_and_account_in_two_shops_are_one_customer(db):
    shopify, woo = make_shop(Platform.SHOPIFY), make_shop(Platform.WOOCOMMERCE)
    deliver(woo, "webhooks/woocommerce/order-created.json", "order.created")  # guest
    deliver(woo, "webhooks/woocommerce/customer-created.json", "customer.created")
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(email="John.Doe@Example.com"),
    )
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert customer.email == "john.doe@example.com"
    assert customer.shop_accounts.count() == 2
    order = Order.objects.get(shop=woo)
    assert order.customer == customer
    assert order.total == Decimal("29.35")
    assert [(line.quantity, line.total) for line in order.lines.all()] == [
        (2, Decimal("6.00")),
        (1, Decimal("12.00")),
    ]


def test_shop_grant_does_not_override_newer_direct_opt_out(shopify, agent):
    deliver(shopify, "webhooks/shopify/customers-create.json", "customers/create")
    customer = Customer.objects.get()
    record_consent(
        customer,
        channel="email",
        purpose="newsletter",
        granted=False,
        source=ConsentSource.CUSTOMER,
        given_at=datetime(2022, 3, 1, tzinfo=UTC),
    )
    old_grant = ev.MarketingConsentChanged(
        granted=True,
        customer_external_id="706405506930370084",
        changed_at=datetime(2022, 2, 1, tzinfo=UTC),
    )
    undated_grant = ev.MarketingConsentChanged(
        granted=True, customer_external_id="706405506930370084"
    )
    result = apply_events(shopify, [old_grant, undated_grant])
    assert result.consents_recorded == 0
    newer_grant = ev.MarketingConsentChanged(
        granted=True,
        customer_external_id="706405506930370084",
        changed_at=datetime(2022, 4, 1, tzinfo=UTC),
    )
    assert apply_events(shopify, [newer_grant]).consents_recorded == 1
    assert apply_events(shopify, [newer_grant]).consents_recorded == 0


def test_staff_edit_survives_older_shop_update(shopify, agent):
    deliver(shopify, "webhooks/shopify/customers-create.json", "customers/create")
    customer = Customer.objects.get()
    update_customer(customer, by=agent, last_name="Biller-Schmidt")
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/update",
        lambda p: p.update(
            updated_at="2022-01-02T00:00:00-05:00", last_name="Billerr", first_name="Robert"
        ),
    )
    customer.refresh_from_db()
    assert customer.last_name == "Biller-Schmidt"
    assert customer.first_name == "Robert"


def test_privacy_requests_recorded_and_returned(shopify):
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=191167, email="john@example.com"),
    )
    result = deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")
    [(request, customer_id)] = result.privacy_requests
    assert request.kind == "customer_redact"
    entry = Activity.objects.get(kind=ActivityKind.PRIVACY_REQUEST)
    assert entry.customer_id == customer_id
    assert entry.params["orders"] == ["299938", "280263", "220458"]
    assert entry.summary.endswith("orders named: 299938, 280263, 220458")
    again = deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")
    assert len(again.privacy_requests) == 1
    assert Activity.objects.filter(kind=ActivityKind.PRIVACY_REQUEST).count() == 1
    shop_wide = deliver(shopify, "webhooks/shopify/shop-redact.json", "shop/redact")
    assert shop_wide.privacy_requests[0][1] is None


def test_unknown_customer_privacy_request_creates_nobody(shopify):
    result = deliver(
        shopify, "webhooks/shopify/customers-data_request.json", "customers/data_request"
    )
    assert result.privacy_requests[0][1] is None
    assert Customer.objects.count() == 0


def test_unicode_and_injection_names_are_stored_verbatim(db):
    shop = make_shop(Platform.GENERIC)
    payload = json.loads((FIXTURES / "webhooks-own/generic-order-upserted.json").read_text())
    name = "Zoë '; DROP TABLE shop_order; -- <script>alert(1)</script> 🙂"
    payload["data"]["lines"][0]["name"] = name
    payload["data"]["customer"]["last_name"] = "O'Brien-Ünal 李"
    apply_events(shop, adapter_for("generic").map("order.upserted", payload))
    order = Order.objects.get()
    assert order.lines.get(line_number=1).name == name
    assert order.customer.last_name == "O'Brien-Ünal 李"


def test_first_address_is_taken_from_the_shop(shopify):
    deliver(shopify, "webhooks/shopify/customers-create.json", "customers/create")
    [address] = Customer.objects.get().addresses.all()
    assert (address.street, address.postal_code, address.city, address.country) == (
        "151 O'Connor Street",
        "K2P 2L8",
        "Ottawa",
        "CA",
    )


def test_customer_deleted_in_the_shop_keeps_our_customer(shopify):
    deliver(shopify, "webhooks/shopify/customers-create.json", "customers/create")
    for _ in range(2):
        deliver(shopify, "webhooks/shopify/customers-delete.json", "customers/delete")
    customer = Customer.objects.get()
    assert customer.shop_accounts.count() == 1
    deleted = Activity.objects.filter(customer=customer, kind=ActivityKind.SHOP_ACCOUNT_DELETED)
    assert deleted.count() == 1
    assert deleted.get().summary == f"Customer account deleted in {shopify.name}"


def test_older_customer_update_is_ignored(shopify):
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/update",
        lambda p: p.update(updated_at="2022-02-01T00:00:00Z", first_name="Robert"),
    )
    result = deliver(shopify, "webhooks/shopify/customers-create.json", "customers/update")
    assert result.stale == 1
    assert Customer.objects.get().first_name == "Robert"


def test_a_redact_webhook_erases_the_customer_and_records_it(shopify):
    from stammkunde.customers.models import CustomerStatus, PrivacyRequest, PrivacyRequestChannel

    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=191167, email="john@example.com"),
    )
    deliver(shopify, "webhooks/shopify/customers-redact.json", "customers/redact")
    customer = Customer.objects.get()
    assert (customer.status, customer.email) == (CustomerStatus.ERASED, None)
    record = PrivacyRequest.objects.get(kind="erasure")
    assert record.channel == PrivacyRequestChannel.SHOP
    assert record.requested_by_label == shopify.name
    assert record.reference.startswith("shopify: customer_redact")


def test_a_data_request_webhook_runs_the_export(shopify):
    from stammkunde.audit.models import AuditEntry
    from stammkunde.customers.models import PrivacyRequest

    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=191167, email="john@example.com"),
    )
    deliver(
        shopify,
        "webhooks/shopify/customers-data_request.json",
        "customers/data_request",
        lambda p: p["customer"].update(id=191167, email="john@example.com"),
    )
    customer = Customer.objects.get()
    record = PrivacyRequest.objects.get(kind="export")
    assert record.customer_id == customer.pk
    assert record.summary["customers"]["profile"] > 0
    assert AuditEntry.objects.filter(
        action="export", customer_id=customer.pk, actor_label=shopify.name
    ).exists()


@pytest.mark.parametrize(
    ("topic", "fixture"),
    [
        ("customers/redact", "customers-redact"),
        ("customers/data_request", "customers-data_request"),
    ],
)
def test_a_privacy_webhook_cannot_reach_another_shops_customer(db, topic, fixture):
    """One shop's privacy webhook naming the e-mail of someone who bought only in another shop
    neither erases nor exports them: an unknown customer for this shop, the refusal audited."""
    from stammkunde.audit.models import AuditEntry
    from stammkunde.customers.models import CustomerStatus, PrivacyRequest

    shopify, woo = make_shop(Platform.SHOPIFY), make_shop(Platform.WOOCOMMERCE)
    deliver(woo, "webhooks/woocommerce/customer-created.json", "customer.created")
    other = Customer.objects.get()

    def aim(payload):
        payload["customer"].update(id=555, email=other.email)

    result = deliver(shopify, f"webhooks/shopify/{fixture}.json", topic, aim)

    other.refresh_from_db()
    assert (other.status, other.email) == (CustomerStatus.ACTIVE, "john.doe@example.com")
    assert result.privacy_requests[0][1] is None
    assert not PrivacyRequest.objects.exists()
    assert not Activity.objects.filter(kind=ActivityKind.PRIVACY_REQUEST).exists()
    assert AuditEntry.objects.filter(
        action="refuse", customer_id=None, object_id=str(other.pk), actor_label=shopify.name
    ).exists()


def test_shop_redact_erases_customers_who_buy_nowhere_else(db):
    from stammkunde.customers.models import CustomerStatus
    from stammkunde.shop.models import ShopAccount

    shopify, woo = make_shop(Platform.SHOPIFY), make_shop(Platform.WOOCOMMERCE)
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=1, email="only-here@example.com"),
    )
    deliver(
        shopify,
        "webhooks/shopify/customers-create.json",
        "customers/create",
        lambda p: p.update(id=2, email="both@example.com"),
    )
    both = Customer.objects.get(email="both@example.com")
    ShopAccount.objects.create(shop=woo, customer=both, external_id="w-2")
    only_here = Customer.objects.get(email="only-here@example.com")
    deliver(shopify, "webhooks/shopify/shop-redact.json", "shop/redact")
    only_here.refresh_from_db()
    both.refresh_from_db()
    assert only_here.status == CustomerStatus.ERASED
    assert both.status == CustomerStatus.ACTIVE
    assert list(both.shop_accounts.values_list("shop__slug", flat=True)) == ["woocommerce"]
