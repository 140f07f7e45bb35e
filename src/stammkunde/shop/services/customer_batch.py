"""Finding and creating the customers behind many shop records at once (the inbox's batch path,
the CSV order import).

The rules are ``resolve_customer``'s: the customer is matched by ``customers.matching`` (the
shop's own customer id, then the normalized e-mail, merges followed to the survivor), else a
new customer; a shop id seen for the first time is linked to the customer found or created.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from stammkunde.core.bulk import insert_ignore
from stammkunde.customers.bulk import NewCustomer, insert_customers
from stammkunde.customers.matching import BuyerKey, match_buyers, match_customers
from stammkunde.customers.shop_data import NewShopCustomer, create_customers_from_shop
from stammkunde.shop.models import Shop, ShopAccount
from stammkunde.timeline.models import ActivityKind, Channel
from stammkunde.timeline.services import record_activity


@dataclass(frozen=True)
class CustomerKey:
    """How a shop names a customer: its own id and/or the (normalized, valid) e-mail."""

    external_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""


def find_customer_ids(shop: Shop, keys: Sequence[CustomerKey]) -> list[int | None]:
    """The customer id behind each key, or None where we know nobody (``match_customers``)."""
    return match_customers(shop.pk, [BuyerKey(key.external_id, key.email) for key in keys])


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


def mark_account_updated(shop: Shop, external_id: str, updated_at: datetime) -> None:
    """Note the shop's change time of the customer data just taken over, so that an older
    update of this account is recognized as stale (``shop.queries.shop_account``)."""
    ShopAccount.objects.filter(shop=shop, external_id=external_id).update(
        source_updated_at=updated_at
    )


def link_customers(
    shop: Shop,
    entries: Iterable[tuple[str, str, str, str]],
    *,
    occurred_at: datetime,
    actor_label: str,
    source: str,
) -> tuple[dict[tuple[str, str], int], list[int]]:
    """Find or create customers for ``(customer_id, email, first_name, last_name)`` entries
    (the e-mails normalized), for thousands of entries at once (an import batch).

    Set-based: the lookups of ``match_customers``, one insert of customers (with their
    "created" timeline entries: from ``source``, by ``actor_label`` at ``occurred_at``), one of shop
    accounts. Entries may repeat a person. Returns the customer id per ``(customer_id, email)``
    (entries with neither are guests and left out) and the ids of the customers created.
    """
    # One entry per person: a batch repeats a customer once per order, and the first entry's
    # names are the ones a new customer gets anyway.
    first: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for entry in entries:
        if entry[0] or entry[1]:
            first.setdefault((entry[0], entry[1]), entry)
    entries = list(first.values())
    found_ids, known_accounts = match_buyers(
        shop.pk, [BuyerKey(ext, email) for ext, email, *_n in entries]
    )
    result: dict[tuple[str, str], int] = {}
    new_accounts: dict[str, int] = {}
    to_create: dict[tuple[str, str], NewCustomer] = {}
    key_of_ext: dict[str, tuple[str, str]] = {}
    pending = []
    for (ext, email, first_name, last_name), found in zip(entries, found_ids, strict=True):
        if found is not None:
            result[(ext, email)] = found
            if ext and ext not in known_accounts:
                new_accounts.setdefault(ext, found)
            continue
        # E-mail is unique, so it is the key of a new customer; an id alone keys a customer
        # without e-mail. The same shop id always maps to the first key it came with.
        key = key_of_ext.get(ext) if ext else None
        key = key or (("email", email) if email else ("ext", ext))
        if ext:
            key_of_ext.setdefault(ext, key)
        if key not in to_create:
            to_create[key] = NewCustomer(email or None, first_name, last_name)
        pending.append((ext, email, key))
    insert_customers(
        list(to_create.values()), occurred_at=occurred_at, actor_label=actor_label, source=source
    )
    for ext, email, key in pending:
        customer_id = to_create[key].pk
        result[(ext, email)] = customer_id
        if ext:
            new_accounts.setdefault(ext, customer_id)
    link_shop_accounts(shop, new_accounts)
    return result, [customer.pk for customer in to_create.values()]


def record_account_deleted(shop: Shop, external_id: str) -> None:
    """Note on the customer's timeline that the shop deleted its account (once); the account
    mapping stays, so the customer's orders keep their history here."""
    account = ShopAccount.objects.filter(shop=shop, external_id=external_id).first()
    if account is None:
        return
    record_activity(
        customer_id=account.customer_id,
        kind=ActivityKind.SHOP_ACCOUNT_DELETED,
        channel=Channel.SHOP,
        params={"shop": shop.name},
        actor_label=shop.name,
        dedupe_key=f"shop:{shop.pk}:customer:{account.external_id}:deleted",
    )
