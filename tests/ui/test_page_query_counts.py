"""The pages staff open all day cost a fixed number of queries, however many customers, orders
and results they show (benchmarks/load.py browses exactly these: the 360 page, search, the
dashboard in tests/ui/test_dashboard.py, and the start page)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stammkunde.audit.models import AuditedCustomer, AuditEntry
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory

# Today's counts with a SQLite test database (PostgreSQL logs no BEGIN/COMMIT, so fewer), as
# ceilings: a query per order, line or result cannot hide below them, and neither can one more
# fixed query per page (the session and the user with its permissions, two-factor facts and
# shop limit are 3: logins/backends.py). A new panel's query raises its ceiling on purpose.
CUSTOMER_PAGE_QUERIES = 26
SEARCH_QUERIES = 17
HOME_QUERIES = 8


def queries_of(client, url: str, params: dict | None = None) -> int:
    client.get(url, params)  # warm the session, content types and the kept figures
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def customer_with_orders(orders: int, lines: int):
    customer = CustomerFactory()
    for _ in range(orders):
        order = OrderFactory(customer=customer)
        for _ in range(lines):
            OrderLineFactory(order=order)
    return customer


def test_customer_page_queries_do_not_grow_with_orders(client, team_lead):
    client.force_login(team_lead)
    few = customer_with_orders(1, 1)
    many = customer_with_orders(15, 4)
    small = queries_of(client, reverse("ui:customer-detail", args=[few.pk]))
    large = queries_of(client, reverse("ui:customer-detail", args=[many.pk]))
    assert large == small <= CUSTOMER_PAGE_QUERIES


def test_search_queries_do_not_grow_with_results(client, team_lead):
    client.force_login(team_lead)
    for customer in CustomerFactory.create_batch(2, last_name="Brandstätter"):
        OrderFactory(customer=customer)
    small = queries_of(client, reverse("ui:customer-list"), {"q": "Brandstätter"})
    for customer in CustomerFactory.create_batch(30, last_name="Brandstätter"):
        OrderFactory(customer=customer)
    large = queries_of(client, reverse("ui:customer-list"), {"q": "Brandstätter"})
    assert large == small <= SEARCH_QUERIES
    # Still one audit row for the page, naming every customer shown.
    entry = AuditEntry.objects.filter(detail="search").latest("id")
    assert AuditedCustomer.objects.filter(entry=entry).count() == 32


def test_home_queries_do_not_grow_with_customers(client, team_lead):
    client.force_login(team_lead)
    for _ in range(2):
        customer_with_orders(1, 1)
    small = queries_of(client, reverse("ui:home"))
    for _ in range(30):
        customer_with_orders(1, 1)
    large = queries_of(client, reverse("ui:home"))
    assert large == small <= HOME_QUERIES


def test_customer_page_reads_the_addresses_once(client, team_lead):
    """The address box and the duplicate notice (which compares addresses) share one read."""
    from stammkunde.customers.models import Address

    client.force_login(team_lead)
    customer = CustomerFactory(last_name="Brandstätter")
    Address.objects.create(
        customer=customer, street="Hauptstraße 1", postal_code="80331", city="München"
    )
    url = reverse("ui:customer-detail", args=[customer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert "Hauptstraße 1" in response.content.decode()
    address_reads = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "customers_address"' in query["sql"]
        and (
            f'"customer_id" = {customer.pk}' in query["sql"]
            or f'"customer_id" IN ({customer.pk})' in query["sql"]
        )
    ]
    assert len(address_reads) == 1, address_reads
