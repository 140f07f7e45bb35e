"""GDPR export and erasure across the apps, with German retention duties."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    CustomerStatus,
    PrivacyRequestState,
)
from stammkunde.customers.privacy.erasure import request_erasure
from stammkunde.customers.privacy.export import export_customer_data
from stammkunde.customers.privacy.housekeeping import (
    finish_expired_restrictions,
    retry_deferred_erasures,
)
from stammkunde.customers.queries import active_customers
from stammkunde.customers.services.consent import record_consent
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order, OrderStatus, ShopAccount, Withdrawal
from tests.factories import OrderFactory, OrderLineFactory

TODAY = date(2026, 12, 3)


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def petra(db, agent):
    customer = create_customer(
        by=None,
        email="petra.schmidt@example.de",
        first_name="Petra",
        last_name="Schmidt",
        phone="0171 9876543",
    )
    customer.addresses.create(
        kind="billing",
        name="Petra Schmidt",
        street="Hauptstr. 1",
        postal_code="80331",
        city="München",
    )
    record_consent(
        customer,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.NEWSLETTER,
        granted=True,
        source=ConsentSource.STAFF,
        by=agent,
    )
    add_note(customer, by=agent, text="Ruft nur vormittags an")
    return customer


def test_the_export_holds_every_app_part_and_its_own_access(petra, agent):
    order = OrderFactory(
        customer=petra,
        number="200001",
        email="petra.schmidt@example.de",
        status=OrderStatus.DELIVERED,
        billing_address={"city": "München"},
    )
    OrderLineFactory(order=order)
    export = export_customer_data(petra.pk, by=agent)
    data = export["data"]
    assert data["customers"]["profile"]["email"] == "petra.schmidt@example.de"
    assert data["customers"]["addresses"][0]["street"] == "Hauptstr. 1"
    assert data["customers"]["consents"][0]["granted"] is True
    assert data["shop"]["orders"][0]["number"] == "200001"
    assert data["shop"]["orders"][0]["lines"][0]["sku"] == "ESP-1000"
    assert any(
        entry["body"] == "" or "vormittags" in str(entry["params"])
        for entry in data["timeline"]["timeline"]
    )
    assert {"customers", "shop", "timeline", "audit", "analytics", "connectors"} <= set(data)
    trail = data["audit"]["audit_trail"]
    assert any(row["action"] == "export" and row["actor"] == "anna" for row in trail)
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.EXPORT, customer_id=petra.pk, actor=agent
        ).count()
        == 1
    )


def test_erasure_without_orders_pseudonymizes_and_keeps_consent_proof_and_audit(petra, agent):
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.state == PrivacyRequestState.DONE
    petra.refresh_from_db()
    assert (petra.email, petra.first_name, petra.last_name, petra.phone) == (None, "", "", "")
    assert petra.status == CustomerStatus.ERASED
    assert not petra.addresses.exists()
    assert ConsentEvent.objects.filter(customer=petra).count() == 1
    assert AuditEntry.objects.filter(customer_id=petra.pk, action=AuditAction.CREATE).exists()
    assert AuditEntry.objects.filter(customer_id=petra.pk, action=AuditAction.ERASE).exists()
    assert "vormittags" not in str(list(petra.activities.values_list("params", "body")))
    assert petra not in active_customers()


def test_orders_within_the_retention_period_are_kept_with_processing_restricted(petra, agent):
    OrderFactory(
        customer=petra,
        placed_at=at(2025, 3, 14),
        status=OrderStatus.DELIVERED,
        email="petra.schmidt@example.de",
        billing_address={"city": "München"},
    )
    old = OrderFactory(
        customer=petra,
        placed_at=at(2016, 5, 2),
        status=OrderStatus.DELIVERED,
        email="petra.schmidt@example.de",
        billing_address={"city": "München"},
    )
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.state == PrivacyRequestState.RESTRICTED
    # 8 years from the end of 2025 (accounting vouchers since 2025)
    assert record.restricted_until == date(2033, 12, 31)
    assert record.duties[0]["what"] == "orders" and record.duties[0]["years"] == 8
    kept = Order.objects.get(customer=petra, placed_at=at(2025, 3, 14))
    assert kept.email == "petra.schmidt@example.de"
    old.refresh_from_db()
    assert (old.email, old.billing_address) == ("", {})
    # statistics intact: both orders still count, with their amounts
    assert Order.objects.filter(customer=petra).count() == 2
    petra.refresh_from_db()
    assert petra.status == CustomerStatus.ERASED


def test_an_open_order_defers_the_erasure_and_nothing_is_erased(petra, agent):
    order = OrderFactory(customer=petra, placed_at=at(2026, 11, 30), status=OrderStatus.PAID)
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.state == PrivacyRequestState.DEFERRED
    assert record.obstacles[0]["reason"] == "open_order"
    assert record.obstacles[0]["params"]["number"] == order.number
    petra.refresh_from_db()
    assert petra.email == "petra.schmidt@example.de"
    assert petra.addresses.exists()
    assert AuditEntry.objects.filter(
        customer_id=petra.pk, action=AuditAction.ERASE, detail__startswith="erasure deferred"
    ).exists()
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED)
    assert retry_deferred_erasures(today=TODAY) == 1
    record.refresh_from_db()
    assert record.state == PrivacyRequestState.RESTRICTED
    petra.refresh_from_db()
    assert petra.email is None


def test_kept_orders_lose_their_personal_data_when_the_retention_ends(petra, agent):
    order = OrderFactory(
        customer=petra,
        placed_at=at(2025, 3, 14),
        status=OrderStatus.DELIVERED,
        email="petra.schmidt@example.de",
        billing_address={"city": "München"},
    )
    request_erasure(petra.pk, by=agent, today=TODAY)
    assert finish_expired_restrictions(today=date(2033, 12, 31)) == 0
    assert finish_expired_restrictions(today=date(2034, 1, 1)) == 1
    order.refresh_from_db()
    assert (order.email, order.billing_address, order.total) == ("", {}, order.total)
    assert Order.objects.filter(pk=order.pk).exists()


def test_each_kept_order_loses_its_personal_data_when_its_own_retention_ends(petra, agent):
    """An order of 2019 is kept until the end of 2027, one of 2025 until the end of 2033: the
    first is stripped on 1 January 2028, not with the second six years later."""
    older, newer = (
        OrderFactory(
            customer=petra,
            placed_at=at(year, 3, 14),
            status=OrderStatus.DELIVERED,
            email="petra.schmidt@example.de",
            billing_address={"city": "München"},
        )
        for year in (2019, 2025)
    )
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.restricted_until == date(2033, 12, 31)
    finish_expired_restrictions(today=date(2027, 12, 31))
    older.refresh_from_db()
    assert older.email == "petra.schmidt@example.de"  # still within its period

    assert finish_expired_restrictions(today=date(2028, 1, 1)) == 0  # still restricted
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.email, older.billing_address) == ("", {})
    assert newer.email == "petra.schmidt@example.de"
    record.refresh_from_db()
    assert record.state == PrivacyRequestState.RESTRICTED
    assert record.duties[0]["first_until"] == "2033-12-31"
    erased = AuditEntry.objects.filter(customer_id=petra.pk, action=AuditAction.ERASE).count()
    finish_expired_restrictions(today=date(2028, 1, 2))  # nothing new: not done again
    assert AuditEntry.objects.filter(customer_id=petra.pk, action=AuditAction.ERASE).count() == (
        erased
    )


def test_a_business_letter_past_its_own_period_is_not_kept_by_a_newer_one(petra, agent):
    """Withdrawals are business letters (6 years): one of 2019 (kept until the end of 2025)
    loses its note at the erasure in 2026 though one of 2024 is kept."""
    notes = {}
    for year in (2019, 2024):
        order = OrderFactory(customer=petra, placed_at=at(year, 3, 1), status="cancelled")
        notes[year] = Withdrawal.objects.create(
            order=order, declared_at=at(year, 3, 5), status="completed", note=f"Widerruf {year}"
        )
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.summary["shop"]["letters_kept"] == 1
    for year, withdrawal in notes.items():
        withdrawal.refresh_from_db()
        assert withdrawal.note == ("" if year == 2019 else "Widerruf 2024")


def test_shop_accounts_go_and_merged_duplicates_are_erased_too(petra, agent, shop):
    ShopAccount.objects.create(shop=shop, customer=petra, external_id="sh-1")
    twin = create_customer(by=None, email="p.schmidt@example.de", last_name="Schmidt")
    Customer.objects.filter(pk=twin.pk).update(status=CustomerStatus.MERGED, merged_into=petra)
    request_erasure(petra.pk, by=agent, today=TODAY)
    twin.refresh_from_db()
    assert (twin.email, twin.last_name) == (None, "")
    assert not ShopAccount.objects.filter(customer=petra).exists()


def test_erasing_an_unknown_customer_is_a_clear_error(db, agent):
    from stammkunde.customers.privacy.requests import PrivacyError

    with pytest.raises(PrivacyError):
        request_erasure(999_999, by=agent, today=TODAY)


def test_an_erased_customers_score_is_not_kept(petra, agent):
    from stammkunde.analytics.models import CustomerScore

    CustomerScore.objects.create(customer=petra, scored_at=at(2026, 12, 1))
    record = request_erasure(petra.pk, by=agent, today=TODAY)
    assert record.summary["analytics"] == {"scores_deleted": 1}
    assert not CustomerScore.objects.filter(customer=petra).exists()


def test_an_erased_customer_gets_no_message_whatever_address_is_named(petra, agent):
    from stammkunde.messaging.governor_terms import Outcome, Purpose
    from stammkunde.messaging.services.outbox import queue_message

    request_erasure(petra.pk, by=agent, today=TODAY)
    petra.refresh_from_db()
    result = queue_message(
        customer=petra,
        to_address="petra.schmidt@example.de",
        purpose=Purpose.TRANSACTIONAL,
        idempotency_key="after-erasure",
        subject="Ihre Bestellung",
        text="Hallo",
        from_name="Jana Berger",
        from_address="jana@shop.example",
        source_type="test",
        source_id="1",
    )
    assert result.message is None
    assert result.decision.outcome == Outcome.SUPPRESS
    assert result.decision.params == {"restricted": "erased"}
