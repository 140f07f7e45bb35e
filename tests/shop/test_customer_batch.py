"""Finding and creating the customers of an import batch at once (shop.services.customer_batch)."""

from __future__ import annotations

from django.utils import timezone

from stammkunde.customers.models import Customer
from stammkunde.shop.models import ShopAccount
from stammkunde.shop.services.customer_batch import link_customers


def link(shop, entries):
    return link_customers(
        shop, entries, occurred_at=timezone.now(), actor_label="csv_import", source="csv_import"
    )


def test_a_person_repeated_in_a_batch_is_created_once_with_the_first_entrys_names(shop):
    ids, created = link(
        shop,
        [
            ("K1", "anna@example.de", "Anna", "Berg"),
            ("K1", "anna@example.de", "Anne", "Burg"),
            ("K1", "anna@example.de", "Anna", "Berg"),
            ("", "", "Guest", "Only"),
        ],
    )
    anna = Customer.objects.get(email="anna@example.de")
    assert ids == {("K1", "anna@example.de"): anna.pk}
    assert created == [anna.pk]
    assert (anna.first_name, anna.last_name) == ("Anna", "Berg")
    assert list(ShopAccount.objects.values_list("external_id", "customer_id")) == [("K1", anna.pk)]


def test_repeated_entries_of_a_known_customer_create_nobody(shop):
    first_ids, _created = link(shop, [("K2", "bert@example.de", "Bert", "Ohm")])
    ids, created = link(
        shop,
        [("K2", "bert@example.de", "Bert", "Ohm"), ("K2", "bert@example.de", "Bert", "Ohm")],
    )
    assert created == []
    assert ids == first_ids
    assert Customer.objects.count() == 1
