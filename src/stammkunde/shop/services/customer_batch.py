"""Finding and creating the customers behind many shop records at once (the inbox's batch path).

The rules are ``resolve_customer``'s: the shop's own customer id wins, then the normalized
e-mail (so one person is one customer across shops and guest checkouts), else a new customer;
a shop id seen for the first time is linked to the customer found or created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from stammkunde.core.bulk import insert_ignore
from stammkunde.customers.queries import find_by_emails
from stammkunde.customers.shop_data import NewShopCustomer, create_customers_from_shop
from stammkunde.shop.models import Shop, ShopAccount


@dataclass(frozen=True)
class CustomerKey:
    """How a shop names a customer: its own id and/or the (normalized, valid) e-mail."""

    external_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""


def find_customer_ids(shop: Shop, keys: Sequence[CustomerKey]) -> list[int | None]:
    """The customer id behind each key, or None where we know nobody (two queries in all)."""
    external_ids = {key.external_id for key in keys if key.external_id}
    accounts = dict(
        ShopAccount.objects.filter(shop=shop, external_id__in=external_ids).values_list(
            "external_id", "customer_id"
        )
        if external_ids
        else ()
    )
    by_email = find_by_emails(
        key.email for key in keys if key.email and key.external_id not in accounts
    )
    return [
        accounts.get(key.external_id) if key.external_id in accounts else by_email.get(key.email)
        for key in keys
    ]


@transaction.atomic
def create_and_link_customers(
    shop: Shop, keys: Sequence[CustomerKey], found: Sequence[int | None], *, source: str
) -> list[int | None]:
    """Create the customers not ``found`` (keys with an id or e-mail), link new shop ids.

    ``found`` is ``find_customer_ids``' answer for ``keys``; the keys name different people.
    Returns the customer id per key (None for a key that names nobody).
    """
    missing = [
        index
        for index, (key, customer_id) in enumerate(zip(keys, found, strict=True))
        if customer_id is None and (key.external_id or key.email)
    ]
    created = create_customers_from_shop(
        [
            NewShopCustomer(
                keys[index].email or None, keys[index].first_name, keys[index].last_name
            )
            for index in missing
        ],
        source=source,
    )
    ids = list(found)
    for index, customer in zip(missing, created, strict=True):
        ids[index] = customer.pk
    link_shop_accounts(
        shop,
        {
            key.external_id: customer_id
            for key, customer_id in zip(keys, ids, strict=True)
            if key.external_id and customer_id is not None
        },
    )
    return ids


def link_shop_accounts(shop: Shop, customers: dict[str, int]) -> None:
    """Record shop customer id -> customer where not recorded yet (an existing link stays)."""
    rows = [(shop.pk, external_id, customer_id) for external_id, customer_id in customers.items()]
    insert_ignore(
        ShopAccount,
        ("shop_id", "external_id", "customer_id"),
        rows,
        conflict=("shop_id", "external_id"),
    )
