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
    assert [found.pk for found in orders_quoted_of_others(case)] == [order.pk]

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
            f"Fall {case.reference} an Erika Mustermann übergeben:"
            " die Mail betrifft deren Bestellung 10234"
        )
    entry = AuditEntry.objects.get(object_type="service.case", action="change", actor=agent)
    assert "10234" in entry.detail
    # Now a verified customer's case: nothing more to confirm.
    moved.refresh_from_db()
    assert orders_quoted_of_others(moved) == []


def test_a_verified_customers_case_or_their_own_order_cannot_be_moved(staffed, agent, customer):
    own = OrderFactory(customer=customer, number="20001")
    case = services.open_case(
        customer=customer,
        case_type="question",
        channel="email",
        subject="Bestellung 20001",
        body="Frage",
    )
    assert orders_quoted_of_others(case) == []
    with pytest.raises(CaseError):
        move_case_to_order_customer(case, own, by=agent)
    stranger_case = _case_from_stranger("Bestellung 55555")
    foreign_to_nobody = OrderFactory(customer=stranger_case.customer, number="55555")
    with pytest.raises(CaseError):
        move_case_to_order_customer(stranger_case, foreign_to_nobody, by=agent)
