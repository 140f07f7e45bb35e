"""Search as a service agent uses it on the phone (issue 15): the end of an order number, the
shop's customer number, postal code and city, part of an e-mail address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stammkunde.customers.models import Address, AddressKind
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Order, Shop
from stammkunde.shop.queries import find_customers
from stammkunde.shop.services import resolve_customer, upsert_order
from tests.factories import OrderFactory
from tests.shop.test_services import order_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return Shop.objects.create(name="Rösterei", slug="roesterei", platform="csv")


@pytest.fixture
def erika(db):
    return create_customer(
        by=None, email="erika.mustermann@example.de", first_name="Erika", last_name="Mustermann"
    )


@pytest.fixture
def otto(db):
    return create_customer(by=None, email="otto@example.com", first_name="Otto", last_name="Klein")


def test_the_end_of_an_order_number_finds_its_customer(erika, otto):
    OrderFactory(number="110234", customer=erika)
    OrderFactory(number="110235", customer=otto)
    assert find_customers("10234") == [erika]
    assert find_customers("#10234") == [erika]
    assert find_customers("0235") == [otto]
    # The middle of a number is not its end.
    assert find_customers("1023") == []


def test_an_ending_of_fewer_than_four_characters_is_no_order_search(erika):
    OrderFactory(number="110234", customer=erika)
    assert find_customers("234") == []
    assert find_customers("110234") == [erika]


def test_the_ending_is_written_by_the_shop_services(shop):
    order, _created = upsert_order(
        shop, order_input(external_id="x-1", number="RS-2026-00417"), customer=None
    )
    assert Order.objects.get(pk=order.pk).number_reversed == "71400-6202-SR"
    customer = resolve_customer(shop, email="eva@example.de")
    Order.objects.filter(pk=order.pk).update(customer=customer)
    assert find_customers("00417") == [customer]


def test_the_shops_customer_number_finds_the_customer(shop):
    customer = resolve_customer(shop, external_id="K-1001", email="kunde@example.de")
    resolve_customer(shop, external_id="K-1002", email="andere@example.de")
    assert find_customers("K-1001") == [customer]
    assert find_customers("k-1001") == [customer]


def test_a_customer_number_of_another_shop_is_hidden_by_a_shop_limit(shop):
    other = Shop.objects.create(name="Teeladen", slug="tee", platform="csv")
    customer = resolve_customer(other, external_id="K-1001", email="kunde@example.de")
    assert find_customers("K-1001") == [customer]
    assert find_customers("K-1001", shop_ids=[shop.pk]) == []
    assert find_customers("K-1001", shop_ids=[other.pk]) == [customer]


def _address(customer, postal_code, city):
    # Addresses come from the shop data writers; the test only needs the rows.
    return Address.objects.create(
        customer=customer,
        kind=AddressKind.BILLING,
        street="Hauptstraße 1",
        postal_code=postal_code,
        city=city,
    )


def test_postal_code_and_city_find_the_customers_living_there(erika, otto):
    _address(erika, "80331", "München")
    _address(otto, "80331", "Munich Outskirts")
    assert set(find_customers("80331")) == {erika, otto}
    assert find_customers("80331 münchen") == [erika]
    assert find_customers("München 80331") == [erika]
    assert find_customers("10115 Berlin") == []


def test_part_of_an_email_address_finds_the_customer(erika, otto):
    assert find_customers("erika.muster") == [erika]
    assert find_customers("erika.mustermann@exa") == [erika]


def test_a_recent_order_of_a_merged_customer_leads_to_the_survivor(erika, otto):
    OrderFactory(number="7770012", customer=otto, placed_at=timezone.now() - timedelta(days=1))
    otto.status = "merged"
    otto.merged_into = erika
    otto.save()
    assert find_customers("0012") == [erika]


@pytest.fixture
def gmx_people(db):
    return [
        create_customer(by=None, email="erika.muster@web.de", first_name="Erika", last_name="M"),
        create_customer(by=None, email="hans@gmx.de", first_name="Hans", last_name="Huber"),
        create_customer(by=None, email="lisa@mail.gmx.de", first_name="Lisa", last_name="Lang"),
        create_customer(by=None, email="gmx.de@web.de", first_name="Gerd", last_name="Gross"),
    ]


def test_the_domain_of_an_email_finds_its_customers(gmx_people):
    erika, hans, lisa, gerd = gmx_people
    assert find_customers("@gmx.de") == [hans]
    assert set(find_customers("gmx.de")) == {hans, lisa, gerd}
    assert set(find_customers("@web.de")) == {erika, gerd}
    assert find_customers("@GMX.DE") == [hans]


def test_a_part_from_the_middle_of_an_email_finds_the_customer(gmx_people):
    erika, _hans, lisa, _gerd = gmx_people
    assert find_customers("muster") == [erika]
    assert find_customers("ail.gm") == [lisa]
    # Two characters would match half the shop: no e-mail search.
    assert find_customers("mx") == []


def test_the_email_of_a_customer_changed_later_is_found_by_its_new_domain(gmx_people):
    erika = gmx_people[0]
    erika.email = "erika@posteo.de"
    erika.save()
    assert find_customers("@posteo.de") == [erika]
    assert erika not in find_customers("@web.de")


def test_without_a_trigram_index_the_middle_is_looked_for_among_the_newest_customers(
    gmx_people, monkeypatch
):
    from stammkunde.customers import queries

    monkeypatch.setattr(queries, "_has_email_trigram_index", lambda: False)
    monkeypatch.setattr(queries, "EMAIL_SCAN_BOUND", 2)
    erika, _hans, lisa, gerd = gmx_people
    # Erika is the oldest of four: outside a scan bounded to the newest two ...
    assert find_customers("muster") == []
    assert find_customers("ail.gm") == [lisa]
    # ... while the domain is found in every customer (the email_reversed index).
    assert set(find_customers("@web.de")) == {erika, gerd}


def test_the_city_alone_finds_the_customers_living_there(erika, otto):
    _address(erika, "80331", "München")
    _address(otto, "10115", "Berlin")
    assert find_customers("München") == [erika]
    assert find_customers("münchen") == [erika]
    assert find_customers("Münch") == [erika]
    assert find_customers("Berlin") == [otto]
    assert find_customers("Hamburg") == []


def test_email_and_city_search_respect_the_shop_limit_and_are_audited(shop, gmx_people):
    from django.contrib.auth import get_user_model

    from stammkunde.audit.models import AuditAction, AuditEntry
    from stammkunde.shop.queries import search_customers
    from stammkunde.shop.services.staff_limits import limit_staff_to_shops

    erika, hans, _lisa, _gerd = gmx_people
    other = Shop.objects.create(name="Teeladen", slug="tee", platform="csv")
    OrderFactory(shop=shop, customer=hans)
    OrderFactory(shop=other, customer=erika)
    _address(hans, "80331", "München")
    _address(erika, "80333", "München")
    agent = get_user_model().objects.create_user("agent", password="x", is_staff=True)
    limit_staff_to_shops(agent, [shop.pk], by=None)
    assert search_customers("München", by=agent) == [hans]
    assert search_customers("gmx", by=agent) == [hans]
    assert search_customers("muster", by=agent) == []
    rows = AuditEntry.objects.filter(action=AuditAction.VIEW, actor=agent, detail="search")
    assert rows.count() == 3
    shown = [list(row.customers.values_list("customer_id", flat=True)) for row in rows]
    assert sorted(shown, key=len) == [[], [hans.pk], [hans.pk]]


def test_on_postgresql_the_middle_of_an_email_has_its_trigram_index():
    from django.db import connection

    from stammkunde.customers.queries import _has_email_trigram_index

    if connection.vendor != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's (SQLite scans bounded)")
    assert _has_email_trigram_index()
