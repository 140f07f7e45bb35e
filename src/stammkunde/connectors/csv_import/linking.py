"""Set-based lookup of the customers behind a batch of order rows, creating those not known.

A customer is found by the shop's customer number (ShopAccount) first, then by normalized
e-mail; new customers are inserted in one statement per batch. The lookups are plain SQL: the
ORM prepares each value of a thousands-long IN list on its own, which cost more than the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from stammkunde.core.bulk import insert_ignore
from stammkunde.core.keys import name_key, normalize_email
from stammkunde.customers.models import Customer, CustomerMerge
from stammkunde.customers.queries import resolve_merged
from stammkunde.shop.models import Shop, ShopAccount


@dataclass(slots=True)
class NewCustomer:
    """A customer to be inserted; ``pk`` is set once it is."""

    email: str | None
    first_name: str
    last_name: str
    pk: int | None = None


def link_customers(
    shop: Shop, entries: Iterable[tuple[str, str, str, str]]
) -> tuple[dict[tuple[str, str], int], list[int]]:
    """Find or create customers for ``(customer_id, email, first_name, last_name)`` entries.

    Set-based: two lookups, one insert of customers, one of shop accounts. Returns the customer
    id per ``(customer_id, email)`` (entries with neither are guests and left out) and the ids of
    the customers created.
    """
    entries = [entry for entry in entries if entry[0] or entry[1]]
    ext_ids = {ext for ext, *_rest in entries if ext}
    emails = {email for _ext, email, *_rest in entries if email}
    by_ext = dict(
        _select_in(
            f"SELECT external_id, customer_id FROM {ShopAccount._meta.db_table}"
            " WHERE shop_id = %s AND external_id IN ({in_list})",
            [shop.pk],
            list(ext_ids),
        )
    )
    by_email = _customer_ids_by_email(list(emails))
    by_email.update(_survivors_of_merged_emails(emails - by_email.keys()))
    result: dict[tuple[str, str], int] = {}
    new_accounts: dict[str, int] = {}
    to_create: dict[tuple[str, str], NewCustomer] = {}
    key_of_ext: dict[str, tuple[str, str]] = {}
    pending = []
    for ext, email, first_name, last_name in entries:
        found = by_ext.get(ext) if ext else None
        if found is None and email:
            found = by_email.get(email)
        if found is not None:
            result[(ext, email)] = found
            if ext and ext not in by_ext:
                new_accounts.setdefault(ext, found)
            continue
        # E-mail is unique, so it is the key of a new customer; an id alone keys a customer
        # without e-mail. The same shop id always maps to the first key it came with.
        key = key_of_ext.get(ext) if ext else None
        key = key or (("email", email) if email else ("ext", ext))
        if ext:
            key_of_ext.setdefault(ext, key)
        if key not in to_create:
            to_create[key] = NewCustomer(normalize_email(email), first_name, last_name)
        pending.append((ext, email, key))
    _insert_customers(list(to_create.values()))
    for ext, email, key in pending:
        customer_id = to_create[key].pk
        result[(ext, email)] = customer_id
        if ext:
            new_accounts.setdefault(ext, customer_id)
    insert_ignore(
        ShopAccount,
        ("shop_id", "external_id", "customer_id"),
        [(shop.pk, ext, customer_id) for ext, customer_id in new_accounts.items()],
        conflict=("shop_id", "external_id"),
    )
    return result, [customer.pk for customer in to_create.values()]


def _survivors_of_merged_emails(emails: set[str]) -> dict[str, int]:
    """E-mail -> surviving customer id for addresses that belonged to a merged-away customer,
    so an import does not bring a merged duplicate back."""
    if not emails:
        return {}
    merges = _select_in(
        f"SELECT merged_at, id, merged_email, survivor_id FROM {CustomerMerge._meta.db_table}"
        " WHERE merged_email IN ({in_list})",
        [],
        list(emails),
    )
    # Oldest merge first, so the latest one of an address wins, as before.
    merges.sort(key=lambda row: (row[0], row[1]))
    return {email: resolve_merged(survivor_id) for _at, _id, email, survivor_id in merges}


def _customer_ids_by_email(emails: list[str]) -> dict[str, int]:
    """E-mail -> id of the customers with these (normalized) addresses."""
    return dict(
        _select_in(
            f"SELECT email, id FROM {Customer._meta.db_table} WHERE email IN ({{in_list}})",
            [],
            emails,
        )
    )


# Values per IN list: well below the bind parameter limits of SQLite (32,766) and PostgreSQL
# (65,535) whatever the batch size.
IN_CHUNK = 5_000


def _select_in(sql: str, params: list[Any], values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with ``{in_list}`` where the placeholders of ``values`` go) in chunks."""
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            cursor.execute(sql.format(in_list=", ".join(["%s"] * len(chunk))), [*params, *chunk])
            rows.extend(cursor.fetchall())
    return rows


def _insert_customers(customers: list[NewCustomer]) -> None:
    """Insert new customers and set their ``pk``.

    Those with an e-mail go through one set-based insert and are read back by their unique
    e-mail; the few without one need the ORM, which returns the new ids. The search keys are
    computed as ``Customer.refresh_keys`` does, without the cost of a model instance each.
    """
    with_email = [customer for customer in customers if customer.email]
    insert_ignore(
        Customer,
        ("email", "first_name", "last_name", "first_name_key", "last_name_key"),
        [
            (
                c.email,
                c.first_name,
                c.last_name,
                name_key(c.first_name)[:100],
                name_key(c.last_name)[:100],
            )
            for c in with_email
        ],
        conflict=("email",),
    )
    ids = _customer_ids_by_email([c.email for c in with_email])
    for customer in with_email:
        customer.pk = ids[customer.email]
    without_email = [customer for customer in customers if not customer.email]
    instances = [Customer(first_name=c.first_name, last_name=c.last_name) for c in without_email]
    for instance in instances:
        instance.refresh_keys()
    Customer.objects.bulk_create(instances)
    for customer, instance in zip(without_email, instances, strict=True):
        customer.pk = instance.pk
