"""An unverified sender quoting another customer's order: the case moves to that customer."""

from __future__ import annotations

import pytest
from django.utils import translation

from stammkunde.audit.models import AuditEntry
from stammkunde.customers.senders import customer_for_sender
from stammkunde.service.case_queries import orders_quoted_of_others
from stammkunde.service.services import cases as services
from stammkunde.service.services.cases import CaseError
from stammkunde.service.services.sender_identity import move_case_to_order_customer
from stammkunde.timeline.models import Activity
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _case_from_stranger(text):
    stranger, created = customer_for_sender(email="neu@example.net", name="Paul Muster")
    assert created and stranger.verified is False
    return services.open_case(
        customer=stranger,
        case_type="complaint",
        channel="email",
        subject="Reklamation",
        body=text,
        from_address="neu@example.net",
    )


def test_the_case_moves_to_the_orders_customer_with_the_order_linked(staffed, agent):
    erika = CustomerFactory(first_name="Erika", last_name="Mustermann")
    order = OrderFactory(customer=erika, number="10234")
    case = _case_from_stranger("Meine Bestellung 10234 ist kaputt angekommen.")
    stranger = case.customer
    assert [found.pk for found in orders_quoted_of_others(case, by=None)] == [order.pk]

    moved = move_case_to_order_customer(case, order, by=agent)
    assert moved.customer_id == erika.pk
    assert list(moved.orders.all()) == [order]
    to_owner = Activity.objects.get(customer=stranger, kind="case_moved")
    assert to_owner.params == {
        "case": case.reference,
        "order": "10234",
        "side": "to",
        "name": "Erika Mustermann",
    }
    taken_over = Activity.objects.get(customer=erika, kind="case_moved")
    assert taken_over.params == {
        "case": case.reference,
        "order": "10234",
        "side": "from",
        "email": "neu@example.net",
    }
    assert not Activity.objects.filter(customer__in=[stranger, erika], kind="note").exists()
    with translation.override("en"):
        assert taken_over.summary == (
            f"Case {case.reference} taken over from the unverified sender neu@example.net"
            " (order 10234)"
        )
    with translation.override("de"):
        assert to_owner.summary == (
            f"Vorgang {case.reference} an Erika Mustermann übergeben:"
            " die Mail betrifft deren Bestellung 10234"
        )
    entry = AuditEntry.objects.get(object_type="service.case", action="change", actor=agent)
    assert "10234" in entry.detail
    # Now a verified customer's case: nothing more to confirm.
    moved.refresh_from_db()
    assert orders_quoted_of_others(moved, by=None) == []


def test_a_verified_customers_case_or_their_own_order_cannot_be_moved(staffed, agent, customer):
    own = OrderFactory(customer=customer, number="20001")
    case = services.open_case(
        customer=customer,
        case_type="question",
        channel="email",
        subject="Bestellung 20001",
        body="Frage",
    )
    assert orders_quoted_of_others(case, by=None) == []
    with pytest.raises(CaseError):
        move_case_to_order_customer(case, own, by=agent)
    stranger_case = _case_from_stranger("Bestellung 55555")
    foreign_to_nobody = OrderFactory(customer=stranger_case.customer, number="55555")
    with pytest.raises(CaseError):
        move_case_to_order_customer(stranger_case, foreign_to_nobody, by=agent)


def test_a_quoted_order_of_another_shop_is_not_named_to_staff_limited_to_shops(
    staffed, agent, client
):
    from django.urls import reverse

    from stammkunde.shop.models import Platform, Shop, ShopAccount
    from stammkunde.shop.services import limit_staff_to_shops

    shop_a = Shop.objects.create(name="Kaffee", slug="kaffee-q", platform=Platform.CSV)
    shop_b = Shop.objects.create(name="Tee", slug="tee-q", platform=Platform.CSV)
    alma = CustomerFactory(first_name="Alma", last_name="Ahorn")
    bruno = CustomerFactory(first_name="Bruno", last_name="Birkenfeld")
    in_a = OrderFactory(customer=alma, shop=shop_a, number="31001")
    OrderFactory(customer=bruno, shop=shop_b, number="32002")
    case = _case_from_stranger("Bestellung 31001 fehlt, Bestellung 32002 auch.")
    # the sender wrote through shop A's form: the case is shop A's
    ShopAccount.objects.create(shop=shop_a, customer=case.customer, external_id="paul-a")
    assert len(orders_quoted_of_others(case, by=agent)) == 2
    limit_staff_to_shops(agent, [shop_a.pk], by=None)
    agent.refresh_from_db()
    assert [order.pk for order in orders_quoted_of_others(case, by=agent)] == [in_a.pk]
    client.force_login(agent)
    html = client.get(reverse("ui:case-detail", args=[case.pk])).content.decode()
    box = html[html.index('id="unverified-sender"') :]
    box = box[: box.index("</section>")]
    assert "Ahorn" in box and "31001" in box
    assert "32002" not in box
    where = html.find("Birkenfeld")
    assert where == -1, html[max(0, where - 300) : where + 100]
