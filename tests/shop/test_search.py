import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.queries import find_customers, key_figures, order_count
from tests.factories import OrderFactory


@pytest.fixture
def people(db):
    return {
        "mueller": create_customer(
            by=None,
            email="j.mueller@example.de",
            first_name="Jürgen",
            last_name="Müller",
            phone="0171 2345678",
        ),
        "muenster": create_customer(
            by=None, email="anna@muenster.de", first_name="Anna", last_name="Münster"
        ),
        "schmidt": create_customer(
            by=None, email="Petra.Schmidt@example.com", first_name="Petra", last_name="Schmidt"
        ),
    }


def test_search_by_last_name_prefix_ignores_umlauts_and_case(people):
    found = find_customers("mu")
    assert people["mueller"] in found
    assert people["muenster"] in found
    assert people["schmidt"] not in found
    assert find_customers("MÜLL") == [people["mueller"]]


def test_search_by_first_and_last_name_in_either_order(people):
    assert find_customers("Anna Münster") == [people["muenster"]]
    assert find_customers("münster anna") == [people["muenster"]]


def test_search_by_email_prefix_and_phone_in_any_notation(people):
    assert find_customers("petra.schmidt@") == [people["schmidt"]]
    assert find_customers("+49 171 2345678") == [people["mueller"]]
    assert find_customers("01712345678") == [people["mueller"]]


def test_search_by_order_number_with_or_without_hash(people):
    OrderFactory(number="#100234", customer=people["schmidt"])
    assert find_customers("100234") == [people["schmidt"]]
    assert find_customers("#100234") == [people["schmidt"]]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_search_string_returns_a_list(term):
    assert isinstance(find_customers(term), list)


@pytest.mark.django_db
def test_key_figures_leave_out_cancelled_and_test_orders():
    first = OrderFactory(total="40.00")
    customer = first.customer
    OrderFactory(customer=customer, total="60.00")
    OrderFactory(customer=customer, total="999.00", status="cancelled")
    OrderFactory(customer=customer, total="500.00", is_test=True)
    figures = key_figures(customer.pk)
    assert figures.order_count == 2
    assert str(figures.revenue) in {"100", "100.00"}
    assert figures.average_basket == 50
    assert figures.cancelled_count == 1
    # The order box's total (the 360 page) counts every order, as order_count does.
    assert figures.all_orders == order_count(customer.pk) == 4
