"""Matching a buyer to a customer: the one rule every path uses (webhooks, CSV, API, backfill).

A shop names its buyer by its own customer id and/or an e-mail address. The shop's id wins
(a shop account links it to a customer), then the normalized e-mail; whatever is found is
followed through merges to the customer it lives on in, and an address freed by a merge finds
the survivor of the customer who had it. So one person is one customer across shops, guest
checkouts and merges, whichever way their data arrives.

Shop accounts belong to ``shop`` (a layer above); they are read here through the reverse
relation ``Customer.shop_accounts`` so that this module does not import ``shop``. The lookups
are plain SQL (``core.bulk.select_in``): an import asks for thousands of keys at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from stammkunde.core.bulk import select_in
from stammkunde.core.compiled import ID, CompiledRead
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer, CustomerMerge, CustomerStatus

_CUSTOMER_TABLE = Customer._meta.db_table
_MERGE_TABLE = CustomerMerge._meta.db_table


# Merges never form long chains (merging re-points older merges at the new survivor), so a
# handful of hops is plenty; the bound only guards against a cycle left by a data bug.
MAX_MERGE_HOPS = 20

# A customer's state and survivor by id, compiled once (core/compiled.py): every customer page
# asks it first.
_STATE_AND_SURVIVOR = CompiledRead(
    lambda pk: Customer.objects.filter(pk=pk).order_by().values_list("status", "merged_into_id"),
    pk=ID,
)


def resolve_merged(customer_id: int) -> int:
    """The id of the customer that ``customer_id`` lives on in: itself unless merged away.

    Follows ``merged_into`` until an unmerged customer; an unknown id is returned unchanged.
    """
    current = customer_id
    for _hop in range(MAX_MERGE_HOPS):
        row = _STATE_AND_SURVIVOR.first(pk=current)
        if row is None or row[0] != CustomerStatus.MERGED or row[1] is None:
            return current
        current = row[1]
    return current


class BuyerKey(NamedTuple):
    """How a shop names a buyer: its own customer id and/or an e-mail address (either may be
    empty; the e-mail is normalized here)."""

    external_id: str = ""
    email: str | None = ""


def match_customer(
    shop_id: int | None, external_id: str = "", email: str | None = ""
) -> int | None:
    """The id of the (surviving) customer behind one buyer, or None when we know nobody."""
    [found] = match_customers(shop_id, [BuyerKey(external_id, email)])
    return found


def match_customers(shop_id: int | None, keys: Sequence[BuyerKey]) -> list[int | None]:
    """The id of the (surviving) customer behind each key, or None; in the order of ``keys``.

    A constant number of queries for any number of keys (three IN lookups), plus one per merge
    to follow (rare). ``shop_id`` None (a buyer named without a shop) matches by e-mail only.
    """
    return match_buyers(shop_id, keys).customer_ids


class Matches(NamedTuple):
    """``match_customers``' answer, and which of the shop's ids have an account already (a
    bulk path links the others)."""

    customer_ids: list[int | None]
    known_external_ids: set[str]


def match_buyers(shop_id: int | None, keys: Sequence[BuyerKey]) -> Matches:
    """``match_customers`` for bulk paths that also need to know the accounts found."""
    external_ids = {key.external_id for key in keys if key.external_id} if shop_id else set()
    by_account = _by_account(shop_id, external_ids) if external_ids else {}
    emails: dict[str, str | None] = {}
    for key in keys:
        if key.email and key.email not in emails:
            emails[key.email] = normalize_email(key.email)
    wanted = {
        emails[key.email]
        for key in keys
        if key.email and (not key.external_id or key.external_id not in by_account)
    }
    wanted.discard(None)
    by_email = _by_email(wanted) if wanted else {}
    result: list[int | None] = []
    for key in keys:
        if key.external_id and key.external_id in by_account:
            result.append(by_account[key.external_id])
        elif key.email:
            result.append(by_email.get(emails[key.email]))
        else:
            result.append(None)
    return Matches(result, set(by_account))


def _survivor(customer_id: int, status: str) -> int:
    return resolve_merged(customer_id) if status == CustomerStatus.MERGED else customer_id


def _account_table() -> str:
    """The shop account table, found through the reverse relation (see the module docstring;
    asked when needed, since the relation exists only once all apps are loaded)."""
    return Customer._meta.get_field("shop_accounts").related_model._meta.db_table


def _by_account(shop_id: int, external_ids: set[str]) -> dict[str, int]:
    """The shop's customer id -> surviving customer id, where the shop account exists."""
    rows = select_in(
        f"SELECT a.external_id, c.id, c.status FROM {_account_table()} a"
        f" JOIN {_CUSTOMER_TABLE} c ON c.id = a.customer_id"
        " WHERE a.shop_id = %s AND a.external_id IN ({in_list})",
        [shop_id],
        sorted(external_ids),
    )
    return {external_id: _survivor(pk, status) for external_id, pk, status in rows}


def _by_email(emails: set[str]) -> dict[str, int]:
    """Normalized e-mail -> surviving customer id: the holder of the address (followed if it
    was merged away without freeing it), else the survivor of the newest merge that freed it."""
    rows = select_in(
        f"SELECT email, id, status FROM {_CUSTOMER_TABLE} WHERE email IN ({{in_list}})",
        [],
        sorted(emails),
    )
    found = {email: _survivor(pk, status) for email, pk, status in rows}
    missing = emails - found.keys()
    if missing:
        merges = select_in(
            f"SELECT merged_at, id, merged_email, survivor_id FROM {_MERGE_TABLE}"
            " WHERE merged_email IN ({in_list})",
            [],
            sorted(missing),
        )
        # Oldest merge first, so the newest one of an address wins.
        merges.sort(key=lambda row: (row[0], row[1]))
        survivors = {email: survivor_id for _at, _id, email, survivor_id in merges}
        found.update({email: resolve_merged(pk) for email, pk in survivors.items()})
    return found
