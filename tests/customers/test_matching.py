"""Matching a buyer to a customer: one rule for webhooks, CSV, API and backfill."""

from __future__ import annotations

import pytest

from stammkunde.customers.matching import BuyerKey, match_customer, match_customers
from stammkunde.customers.merging import merge_customers
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.services.profile import create_customer
from stammkunde.shop.models import Platform, Shop, ShopAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_shop():
    return Shop.objects.create(name="Teeladen", slug="tee", platform=Platform.CSV)


def test_the_shops_own_id_wins_over_the_email(shop):
    by_id = create_customer(by=None, email="konto@example.de")
    by_email = create_customer(by=None, email="gast@example.de")
    ShopAccount.objects.create(shop=shop, external_id="K1", customer=by_id)

    assert match_customer(shop.pk, "K1", "gast@example.de") == by_id.pk
    assert match_customer(shop.pk, "K2", "gast@example.de") == by_email.pk


def test_the_email_is_normalized(shop):
    eva = create_customer(by=None, email="eva@example.de")

    assert match_customer(shop.pk, email="  EVA@Example.DE ") == eva.pk


def test_a_shop_id_names_a_customer_only_in_its_own_shop(shop, other_shop):
    kim = create_customer(by=None, email="kim@example.de")
    ShopAccount.objects.create(shop=shop, external_id="K1", customer=kim)

    assert match_customer(other_shop.pk, "K1") is None
    assert match_customer(None, "K1") is None


def test_an_email_freed_by_a_merge_finds_the_survivor(shop, team_lead):
    survivor = create_customer(by=None, email="neu@example.de")
    merged = create_customer(by=None, email="alt@example.de")
    merge_customers(survivor, merged, by=team_lead)

    assert match_customer(shop.pk, email="alt@example.de") == survivor.pk


def test_chained_merges_are_followed_to_the_last_survivor(shop, team_lead):
    first = create_customer(by=None, email="eins@example.de")
    second = create_customer(by=None, email="zwei@example.de")
    last = create_customer(by=None, email="drei@example.de")
    merge_customers(second, first, by=team_lead)
    merge_customers(last, second, by=team_lead)

    assert match_customer(shop.pk, email="eins@example.de") == last.pk


def test_an_account_or_address_still_on_a_merged_customer_is_followed(shop):
    # A partial merge (before merges moved every row): the merged customer kept its e-mail
    # and its shop account.
    survivor = create_customer(by=None, email="bleibt@example.de")
    merged = create_customer(by=None, email="geht@example.de")
    ShopAccount.objects.create(shop=shop, external_id="K9", customer=merged)
    Customer.objects.filter(pk=merged.pk).update(status=CustomerStatus.MERGED, merged_into=survivor)

    assert match_customer(shop.pk, "K9") == survivor.pk
    assert match_customer(shop.pk, email="geht@example.de") == survivor.pk


def test_many_keys_are_answered_in_order_with_none_for_strangers(shop):
    ina = create_customer(by=None, email="ina@example.de")
    ole = create_customer(by=None, email="ole@example.de")
    ShopAccount.objects.create(shop=shop, external_id="K2", customer=ole)

    found = match_customers(
        shop.pk,
        [
            BuyerKey("K2", ""),
            BuyerKey("", "fremd@example.de"),
            BuyerKey("", ""),
            BuyerKey("K404", "INA@example.de"),
        ],
    )

    assert found == [ole.pk, None, None, ina.pk]
