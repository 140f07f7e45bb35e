"""Goodwill through its services: granted, waiting, approved, declined, refused; vouchers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stammkunde.audit.models import AuditEntry
from stammkunde.service.models import GoodwillGrant, GoodwillStatus
from stammkunde.service.queries import goodwill_totals
from stammkunde.service.services.goodwill import (
    GoodwillError,
    approve_goodwill,
    decline_goodwill,
    request_goodwill,
    set_goodwill_limit,
)
from stammkunde.shop.models import Voucher
from stammkunde.shop.services.vouchers import export_vouchers
from stammkunde.timeline.models import Activity, ActivityKind
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_agent_grants_voucher_within_limit_at_once(anna, limits):
    customer = CustomerFactory()
    grant = request_goodwill(
        customer=customer, kind="voucher", amount="10", reason="Paket kam spät", by=anna
    )
    assert grant.status == GoodwillStatus.GRANTED
    voucher = Voucher.objects.get(source_type="goodwill", source_id=grant.pk)
    assert voucher.amount == Decimal("10.00")
    assert voucher.customer_id == customer.pk
    entry = Activity.objects.get(customer=customer, kind=ActivityKind.GOODWILL_GRANTED)
    assert entry.params == {"goodwill": "voucher", "amount": "10.00", "currency": "EUR"}
    assert entry.body == "Paket kam spät"


def test_agent_cannot_grant_goodwill_above_limit_it_waits(anna, lena, limits):
    customer = CustomerFactory()
    grant = request_goodwill(
        customer=customer, kind="voucher", amount="35", reason="Zweiter Ausfall", by=anna
    )
    assert grant.status == GoodwillStatus.PENDING
    assert grant.limit_at_request == Decimal("20.00")
    assert not Voucher.objects.exists()
    assert not Activity.objects.filter(kind=ActivityKind.GOODWILL_GRANTED).exists()
    approve_goodwill(grant, by=lena, reason="Treuer Kunde")
    grant.refresh_from_db()
    assert grant.status == GoodwillStatus.GRANTED
    assert grant.decided_by == lena
    assert grant.voucher.amount == Decimal("35.00")
    assert Activity.objects.filter(kind=ActivityKind.GOODWILL_GRANTED).count() == 1


def test_lead_declines_with_reason_and_nothing_is_granted(anna, lena, limits):
    grant = request_goodwill(
        customer=CustomerFactory(), kind="gift", amount="50", reason="Geschenk", by=anna
    )
    with pytest.raises(GoodwillError):
        decline_goodwill(grant, by=lena, reason="  ")
    decline_goodwill(grant, by=lena, reason="Schon 20 € Gutschein im Mai")
    grant.refresh_from_db()
    assert grant.status == GoodwillStatus.DECLINED
    assert grant.decision_reason == "Schon 20 € Gutschein im Mai"
    with pytest.raises(GoodwillError):
        approve_goodwill(grant, by=lena)


def test_agent_cannot_approve(anna, limits):
    other = CustomerFactory()
    grant = request_goodwill(customer=other, kind="gift", amount="50", reason="x", by=anna)
    with pytest.raises(GoodwillError):
        approve_goodwill(grant, by=anna)


def test_lead_does_not_approve_own_request(lena, limits):
    grant = request_goodwill(
        customer=CustomerFactory(), kind="gift", amount="500", reason="x", by=lena
    )
    assert grant.status == GoodwillStatus.PENDING
    with pytest.raises(GoodwillError):
        approve_goodwill(grant, by=lena)


@pytest.mark.parametrize("amount", ["-10", "0", "99999", "abc"])
def test_negative_or_absurd_amounts_are_refused_and_nothing_is_stored(anna, limits, amount):
    with pytest.raises(GoodwillError):
        request_goodwill(
            customer=CustomerFactory(), kind="voucher", amount=amount, reason="x", by=anna
        )
    assert not GoodwillGrant.objects.exists()


def test_reason_is_required(anna, limits):
    with pytest.raises(GoodwillError):
        request_goodwill(customer=CustomerFactory(), kind="voucher", amount="5", reason="", by=anna)


def test_partial_refund_needs_order_and_stays_below_its_total(anna, limits):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("12.00"))
    with pytest.raises(GoodwillError):
        request_goodwill(customer=customer, kind="refund", amount="5", reason="x", by=anna)
    with pytest.raises(GoodwillError):
        request_goodwill(
            customer=customer, kind="refund", amount="15", reason="x", by=anna, order=order
        )
    grant = request_goodwill(
        customer=customer, kind="refund", amount="5", reason="x", by=anna, order=order
    )
    assert grant.status == GoodwillStatus.GRANTED
    assert grant.voucher is None


def test_limit_is_set_by_lead_not_agent(anna, lena):
    with pytest.raises(GoodwillError):
        set_goodwill_limit(role="Service agent", case_type="", maximum="50", by=anna)
    set_goodwill_limit(role="Service agent", case_type="complaint", maximum="50", by=lena)
    grant = request_goodwill(
        customer=CustomerFactory(),
        kind="voucher",
        amount="40",
        reason="x",
        by=anna,
        case_type="complaint",
    )
    assert grant.status == GoodwillStatus.GRANTED
    with pytest.raises(GoodwillError):
        set_goodwill_limit(role="Service agent", case_type="", maximum="-1", by=lena)


def test_totals_per_month_and_agent(anna, lena, limits):
    customer = CustomerFactory()
    for amount in ("10", "5.50"):
        request_goodwill(customer=customer, kind="voucher", amount=amount, reason="x", by=anna)
    request_goodwill(customer=customer, kind="gift", amount="150", reason="x", by=lena)
    request_goodwill(customer=customer, kind="gift", amount="90", reason="wartet", by=anna)
    totals = goodwill_totals()
    by_agent = {(row["agent"], row["month"].strftime("%Y-%m")): row for row in totals}
    assert len(by_agent) == 2
    anna_row = next(row for row in totals if row["agent"] == "anna")
    assert anna_row["total"] == Decimal("15.50")
    assert anna_row["count"] == 2
    lena_row = next(row for row in totals if row["agent"] == "lena")
    assert lena_row["total"] == Decimal("150.00")


def test_voucher_export_marks_exported_and_is_audited(anna, lena, limits):
    customer = CustomerFactory(email="kunde@example.de")
    request_goodwill(customer=customer, kind="voucher", amount="10", reason="x", by=anna)
    request_goodwill(customer=customer, kind="free_shipping", amount="4.90", reason="x", by=anna)
    text, count = export_vouchers(by=lena)
    assert count == 2
    assert text.startswith("\ufeff")
    assert '"10,00"' in text and '"4,90"' in text and '"kunde@example.de"' in text
    assert AuditEntry.objects.filter(action="export", object_type="shop.voucher").exists()
    _text, again = export_vouchers(by=lena)
    assert again == 0


def test_a_granted_partial_refund_is_a_refund_on_the_order(anna, lena, limits):
    from stammkunde.shop.models import Order, Refund

    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("80.00"))
    grant = request_goodwill(
        customer=customer, kind="refund", amount="7.50", reason="Kratzer", by=anna, order=order
    )
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("7.50")
    assert refund.external_id == f"goodwill:{grant.pk}"
    assert "Kratzer" in refund.reason
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("7.50")
    assert Activity.objects.filter(customer=customer, kind=ActivityKind.REFUND_ISSUED).exists()

    # Above the agent's limit: no money moves until the lead approves, then once.
    waiting = request_goodwill(
        customer=customer, kind="refund", amount="30", reason="Defekt", by=anna, order=order
    )
    assert Refund.objects.filter(order=order).count() == 1
    approve_goodwill(waiting, by=lena)
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("37.50")
    assert Refund.objects.filter(order=order).count() == 2


def test_approving_a_refund_the_order_no_longer_covers_is_refused(anna, lena, limits):
    from django.utils import timezone

    from stammkunde.shop.models import Refund
    from stammkunde.shop.services.refunds import record_refund

    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("40.00"))
    waiting = request_goodwill(
        customer=customer, kind="refund", amount="30", reason="Defekt", by=anna, order=order
    )
    # Meanwhile the shop refunded most of the order itself.
    record_refund(order, amount=Decimal("25"), refunded_at=timezone.now())
    with pytest.raises(GoodwillError):
        approve_goodwill(waiting, by=lena)
    waiting.refresh_from_db()
    assert waiting.status == GoodwillStatus.PENDING
    assert Refund.objects.filter(order=order).count() == 1


def test_a_limit_per_kind_decides_before_the_general_one(anna, lena, limits):
    set_goodwill_limit(role="Service agent", case_type="", kind="refund", maximum="5", by=lena)
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, total=Decimal("50.00"))
    refund = request_goodwill(
        customer=customer, kind="refund", amount="8", reason="x", by=anna, order=order
    )
    voucher = request_goodwill(customer=customer, kind="voucher", amount="8", reason="x", by=anna)
    assert refund.status == GoodwillStatus.PENDING
    assert refund.limit_at_request == Decimal("5.00")
    assert voucher.status == GoodwillStatus.GRANTED
    assert voucher.limit_at_request == Decimal("20.00")


def test_setting_changing_and_removing_a_limit_is_audited_with_old_and_new(lena):
    from stammkunde.service.models import GoodwillLimit
    from stammkunde.service.services.goodwill import remove_goodwill_limit

    limit = set_goodwill_limit(
        role="Service agent", case_type="complaint", kind="gift", maximum="30", by=lena
    )
    set_goodwill_limit(
        role="Service agent", case_type="complaint", kind="gift", maximum="45.5", by=lena
    )
    set_goodwill_limit(
        role="Service agent", case_type="complaint", kind="gift", maximum="45.50", by=lena
    )
    remove_goodwill_limit(GoodwillLimit.objects.get(pk=limit.pk), by=lena)
    entries = AuditEntry.objects.filter(object_type__icontains="goodwilllimit").order_by("id")
    assert [(entry.action, entry.detail) for entry in entries] == [
        ("create", "Service agent / gift / complaint: - -> 30.00"),
        ("change", "Service agent / gift / complaint: 30.00 -> 45.50"),
        ("delete", "Service agent / gift / complaint: 45.50 -> -"),
    ]
    assert {entry.actor_id for entry in entries} == {lena.pk}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "cash"}, "Unknown kind of goodwill."),
        ({"case_type": "lawsuit"}, "Unknown case type."),
        ({"role": "Intern"}, "Unknown role."),
        ({"maximum": "5000.01"}, "A limit lies between 0 and €5,000.00."),
        ({"maximum": "-1"}, "A limit lies between 0 and €5,000.00."),
        ({"maximum": "viel"}, "The limit is not an amount."),
    ],
)
def test_a_limit_that_cannot_be_is_refused(lena, values, message):
    arguments = {"role": "Service agent", "case_type": "", "kind": "", "maximum": "10"}
    with pytest.raises(GoodwillError) as refused:
        set_goodwill_limit(**{**arguments, **values}, by=lena)
    assert str(refused.value) == message
