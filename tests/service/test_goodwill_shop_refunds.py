"""A partial refund granted as goodwill and the same money reported by the shop are one refund,
whichever came first: the order's refunded total counts it once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stammkunde.service.goodwill_refunds import shop_refund_links
from stammkunde.service.models import GoodwillStatus
from stammkunde.service.services.goodwill import GoodwillError, approve_goodwill, request_goodwill
from stammkunde.shop.models import Order, Refund
from stammkunde.shop.services.refunds import record_refund
from stammkunde.timeline.models import Activity, ActivityKind
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(db):
    return OrderFactory(customer=CustomerFactory(), total=Decimal("80.00"))


def _shop_refund(order, amount, *, days_ago=1, platform_id="re_4711"):
    """The refund as the shop's webhook reports it."""
    return record_refund(
        order,
        amount=Decimal(amount),
        refunded_at=timezone.now() - timedelta(days=days_ago),
        reason="Erstattung im Shop-Backend",
        external_id=platform_id,
    )


def _refund_goodwill(order, amount, by, reason="Kratzer am Gehäuse"):
    return request_goodwill(
        customer=order.customer, kind="refund", amount=amount, reason=reason, by=by, order=order
    )


def _refunded_total(order):
    return Order.objects.get(pk=order.pk).refunded_total


def test_goodwill_after_the_shop_refund_takes_it_over(order, anna, limits):
    shop = _shop_refund(order, "15.00")
    grant = _refund_goodwill(order, "15", anna)
    assert grant.status == GoodwillStatus.GRANTED
    [refund] = Refund.objects.filter(order=order)
    assert refund.pk == shop.pk
    assert refund.external_id == f"goodwill:{grant.pk}"
    assert refund.platform_external_id == "re_4711"
    assert _refunded_total(order) == Decimal("15.00")
    # The shop's entry stays the only refund in the timeline; the goodwill has its own.
    assert Activity.objects.filter(kind=ActivityKind.REFUND_ISSUED).count() == 1
    assert Activity.objects.filter(kind=ActivityKind.GOODWILL_GRANTED).count() == 1
    link = shop_refund_links([grant])[grant.pk]
    assert link.shop_first is True
    assert link.platform_id == "re_4711"
    # The shop's webhook delivered again: still that one refund.
    _shop_refund(order, "15.00")
    assert Refund.objects.filter(order=order).count() == 1
    assert _refunded_total(order) == Decimal("15.00")


def test_shop_refund_after_the_goodwill_is_linked_not_counted_twice(order, anna, limits):
    grant = _refund_goodwill(order, "15", anna)
    _shop_refund(order, "15.00", days_ago=0)
    [refund] = Refund.objects.filter(order=order)
    assert (refund.external_id, refund.platform_external_id) == (f"goodwill:{grant.pk}", "re_4711")
    assert _refunded_total(order) == Decimal("15.00")
    assert shop_refund_links([grant])[grant.pk].shop_first is False


def test_another_amount_is_a_refund_of_its_own(order, anna, limits):
    _shop_refund(order, "15.00")
    grant = _refund_goodwill(order, "14.99", anna)
    assert Refund.objects.filter(order=order).count() == 2
    assert Refund.objects.get(external_id="re_4711").platform_external_id == ""
    assert _refunded_total(order) == Decimal("29.99")
    assert shop_refund_links([grant]) == {}


def test_a_shop_refund_older_than_two_weeks_is_not_taken_over(order, anna, limits):
    _shop_refund(order, "15.00", days_ago=15)
    _refund_goodwill(order, "15", anna)
    assert Refund.objects.filter(order=order).count() == 2
    assert _refunded_total(order) == Decimal("30.00")


def test_a_refund_of_another_order_is_not_taken_over(order, anna, limits):
    other = OrderFactory(customer=order.customer, total=Decimal("80.00"))
    _shop_refund(other, "15.00")
    _refund_goodwill(order, "15", anna)
    assert _refunded_total(order) == Decimal("15.00")
    assert _refunded_total(other) == Decimal("15.00")
    assert Refund.objects.get(order=other).external_id == "re_4711"


def test_two_grants_and_one_shop_refund_pay_the_second_grant(order, anna, limits):
    _shop_refund(order, "15.00")
    first = _refund_goodwill(order, "15", anna)
    second = _refund_goodwill(order, "15", anna, reason="Zweiter Kratzer")
    keys = sorted(Refund.objects.filter(order=order).values_list("external_id", flat=True))
    assert keys == sorted([f"goodwill:{first.pk}", f"goodwill:{second.pk}"])
    assert _refunded_total(order) == Decimal("30.00")
    links = shop_refund_links([first, second])
    assert list(links) == [first.pk]


def test_a_waiting_grant_takes_over_the_shop_refund_made_meanwhile(order, anna, lena, limits):
    waiting = _refund_goodwill(order, "60", anna)
    assert waiting.status == GoodwillStatus.PENDING
    # The lead's answer took a while; the agent refunded in the shop meanwhile.
    _shop_refund(order, "60.00", days_ago=0)
    approve_goodwill(waiting, by=lena)
    assert Refund.objects.filter(order=order).count() == 1
    assert _refunded_total(order) == Decimal("60.00")
    waiting.refresh_from_db()
    assert shop_refund_links([waiting])[waiting.pk].shop_first is True


def test_the_shop_refund_does_not_count_against_the_order_it_becomes(anna, lena, limits):
    # The whole rest of the order was refunded in the shop: the goodwill is that refund,
    # not more money than the order cost.
    order = OrderFactory(customer=CustomerFactory(), total=Decimal("18.00"))
    _shop_refund(order, "18.00")
    grant = _refund_goodwill(order, "18", anna)
    assert grant.status == GoodwillStatus.GRANTED
    assert _refunded_total(order) == Decimal("18.00")
    with pytest.raises(GoodwillError):
        _refund_goodwill(order, "1", anna)


def test_shop_refund_without_an_id_after_the_goodwill_is_linked_not_counted_twice(
    order, anna, limits
):
    # Issue 13: the shop reported the goodwill's money without a refund id of its own.
    grant = _refund_goodwill(order, "15", anna)
    _shop_refund(order, "15.00", days_ago=0, platform_id="")
    [refund] = Refund.objects.filter(order=order)
    assert refund.external_id == f"goodwill:{grant.pk}"
    assert _refunded_total(order) == Decimal("15.00")
    assert Activity.objects.filter(kind=ActivityKind.REFUND_ISSUED).count() == 1
    assert shop_refund_links([grant])[grant.pk].shop_first is False
    # A second refund of that amount without an id is other money: the goodwill is taken.
    _shop_refund(order, "15.00", days_ago=0, platform_id="")
    assert Refund.objects.filter(order=order).count() == 2
    assert _refunded_total(order) == Decimal("30.00")


def test_goodwill_after_a_shop_refund_without_an_id_takes_it_over(order, anna, limits):
    shop = _shop_refund(order, "15.00", platform_id="")
    grant = _refund_goodwill(order, "15", anna)
    assert grant.status == GoodwillStatus.GRANTED
    [refund] = Refund.objects.filter(order=order)
    assert (refund.pk, refund.external_id) == (shop.pk, f"goodwill:{grant.pk}")
    assert _refunded_total(order) == Decimal("15.00")
    assert shop_refund_links([grant])[grant.pk].shop_first is True
    # The next grant of that amount finds no shop refund left to take over.
    second = _refund_goodwill(order, "15", anna, reason="Zweiter Kratzer")
    assert second.status == GoodwillStatus.GRANTED
    assert _refunded_total(order) == Decimal("30.00")


def _delivered_twice(order, amount, refunded_at):
    """The same refund without an id, as two deliveries of the shop's webhook report it."""
    return [
        record_refund(order, amount=Decimal(amount), refunded_at=refunded_at, external_id="")
        for _delivery in range(2)
    ]


def test_a_shop_refund_without_an_id_delivered_twice_is_recorded_once(order):
    first, second = _delivered_twice(order, "15.00", timezone.now() - timedelta(hours=1))
    assert first.pk == second.pk
    assert Refund.objects.filter(order=order).count() == 1
    assert _refunded_total(order) == Decimal("15.00")
    assert Activity.objects.filter(kind=ActivityKind.REFUND_ISSUED).count() == 1


def test_a_shop_refund_without_an_id_linked_to_the_goodwill_delivered_twice_counts_once(
    order, anna, limits
):
    grant = _refund_goodwill(order, "15", anna)
    _delivered_twice(order, "15.00", timezone.now())
    [refund] = Refund.objects.filter(order=order)
    assert refund.external_id == f"goodwill:{grant.pk}"
    assert _refunded_total(order) == Decimal("15.00")


def test_a_refund_without_an_id_recorded_before_keys_is_recognised(order):
    refunded_at = timezone.now() - timedelta(hours=2)
    old = Refund.objects.create(
        order=order, amount=Decimal("15.00"), refunded_at=refunded_at, external_id=""
    )
    again = record_refund(order, amount=Decimal("15"), refunded_at=refunded_at, external_id="")
    assert again.pk == old.pk
    assert Refund.objects.filter(order=order).count() == 1
