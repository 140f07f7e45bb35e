"""Duplicate suggestions: customers who are probably one person, for staff to merge or dismiss.

Two kinds of evidence, both on normalized keys (``core.keys``): the same phone number and name,
and the same postal address and name. Groups are found with ``GROUP BY`` in the database, never
by comparing customers pairwise in Python, so the list stays usable with a million customers.

The same e-mail address in another letter case is no suggestion but the same customer at once:
addresses are stored lower-cased (``core.keys.normalize_email``) and unique, and every importer,
webhook and form matches by the normalized address, so two customers never share one. (An
e-mail seen in a service case of another customer joins as evidence once the service desk
brings cases.)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.scoping import whole_customer_scope
from stammkunde.customers.models import (
    STREET_REPLACEMENTS,
    Address,
    Customer,
    CustomerStatus,
    DismissedDuplicate,
    DuplicateReason,
)
from stammkunde.customers.queries import may_merge_customers, may_see_customer, mergeable

# Candidates looked at for one customer's notice (people with exactly the same name).
NAME_CANDIDATES = 200


@dataclass(frozen=True)
class DuplicateGroup:
    """Active customers who share a phone and name, or an address and name."""

    reason: DuplicateReason
    customer_ids: tuple[int, ...]


@dataclass(frozen=True)
class DuplicateCandidate:
    """Another customer who is probably the same person as the one on screen."""

    customer: Customer
    reasons: tuple[DuplicateReason, ...]


def street_key(street: str | None) -> str:
    """Fold a street for comparison, the same way ``_street_expression`` does in SQL."""
    key = (street or "").lower()
    for old, new in STREET_REPLACEMENTS:
        key = key.replace(old, new)
    return key


def postal_key(postal_code: str | None) -> str:
    return (postal_code or "").replace(" ", "").upper()


def _active() -> QuerySet[Customer]:
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def _phone_groups(limit: int, offset: int) -> list[DuplicateGroup]:
    keys = list(
        _active()
        .exclude(phone_key="")
        .exclude(last_name_key="")
        .values("phone_key", "last_name_key", "first_name_key")
        .annotate(members=Count("id"))
        .filter(members__gt=1)
        .order_by("phone_key", "last_name_key", "first_name_key")[offset : offset + limit]
    )
    if not keys:
        return []
    match = Q()
    for key in keys:
        match |= Q(
            phone_key=key["phone_key"],
            last_name_key=key["last_name_key"],
            first_name_key=key["first_name_key"],
        )
    members: dict[tuple, list[int]] = {}
    for pk, *key in (
        _active()
        .filter(match)
        .order_by("id")
        .values_list("id", "phone_key", "last_name_key", "first_name_key")
    ):
        members.setdefault(tuple(key), []).append(pk)
    return [
        DuplicateGroup(
            DuplicateReason.PHONE_AND_NAME,
            tuple(members.get((k["phone_key"], k["last_name_key"], k["first_name_key"]), ())),
        )
        for k in keys
    ]


def _address_key_sql() -> tuple[str, str]:
    """The SQL of the ``address_match`` index expressions, constants inlined.

    The database uses an expression index only for the very same expression; the ORM would
    group by column position and bind the constants as parameters, and then scan the table.
    The constants are this module's own (no quotes in them), never user input.
    """
    street = 'LOWER("street")'
    for old, new in STREET_REPLACEMENTS:
        street = f"REPLACE({street}, '{old}', '{new}')"
    postal = """UPPER(REPLACE("postal_code", ' ', ''))"""
    return postal, street


def _address_groups(limit: int, offset: int) -> list[DuplicateGroup]:
    """Shared addresses first (read in the order of the ``address_match`` index, so a page
    costs what it reads), then split by the customers' names here: a family at one address is
    not a duplicate. ``limit``/``offset`` count shared addresses, so a page may hold fewer groups.
    """
    postal, street = _address_key_sql()
    table = connection.ops.quote_name(Address._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {postal}, {street} FROM {table} WHERE \"street\" <> '' "
            f'GROUP BY {postal}, {street} HAVING COUNT(DISTINCT "customer_id") > 1 '
            f"ORDER BY {postal}, {street} LIMIT %s OFFSET %s",
            [limit, offset],
        )
        keys = [tuple(row) for row in cursor.fetchall()]
        if not keys:
            return []
        pairs = ", ".join(["(%s, %s)"] * len(keys))
        cursor.execute(
            f'SELECT "customer_id", {postal}, {street} FROM {table} '
            f"WHERE ({postal}, {street}) IN (VALUES {pairs})",
            [value for key in keys for value in key],
        )
        found = cursor.fetchall()
    names = {
        pk: (last, first)
        for pk, last, first in Customer.objects.filter(
            pk__in={row[0] for row in found}, status=CustomerStatus.ACTIVE
        )
        .exclude(last_name_key="")
        .values_list("id", "last_name_key", "first_name_key")
    }
    members: dict[tuple, set[int]] = {}
    for customer_id, postal_value, street_value in found:
        if customer_id in names:
            members.setdefault((postal_value, street_value, *names[customer_id]), set()).add(
                customer_id
            )
    return [
        DuplicateGroup(DuplicateReason.ADDRESS_AND_NAME, tuple(sorted(ids)))
        for _key, ids in sorted(members.items())
        if len(ids) > 1
    ]


def _dismissed_pairs(customer_ids: set[int]) -> set[tuple[int, int]]:
    if not customer_ids:
        return set()
    return set(
        DismissedDuplicate.objects.filter(
            first_id__in=customer_ids, second_id__in=customer_ids
        ).values_list("first_id", "second_id")
    )


def _open_pairs(ids: tuple[int, ...], dismissed: set[tuple[int, int]]) -> bool:
    return any(pair not in dismissed for pair in combinations(sorted(ids), 2))


def duplicate_groups(
    *, reason: DuplicateReason | None = None, limit: int = 50, offset: int = 0
) -> list[DuplicateGroup]:
    """Groups of active customers who share a phone and name, or an address and name.

    In key order. ``limit``/``offset`` page through the groups of each reason; groups
    whose every pair staff dismissed are left out, so a page may hold fewer than ``limit``.
    """
    groups: list[DuplicateGroup] = []
    if reason in (None, DuplicateReason.PHONE_AND_NAME):
        groups += _phone_groups(limit, offset)
    if reason in (None, DuplicateReason.ADDRESS_AND_NAME):
        groups += _address_groups(limit, offset)
    dismissed = _dismissed_pairs({pk for group in groups for pk in group.customer_ids})
    return [
        group
        for group in groups
        if len(group.customer_ids) > 1 and _open_pairs(group.customer_ids, dismissed)
    ]


def duplicate_suggestions(
    *, by: Any, reason: DuplicateReason | None = None, limit: int = 50, offset: int = 0
) -> list[tuple[DuplicateGroup, list[Customer]]]:
    """``duplicate_groups`` with their customers loaded, for the staff page; audited once with
    the ids of every customer shown."""
    groups = duplicate_groups(reason=reason, limit=limit, offset=offset)
    # Suggestions are for merging: staff limited to shops see the groups of two or more
    # customers they may merge (of none but their shops; a customer shared with another shop
    # is merged by whom that shop trusts as well).
    customers = mergeable(Customer.objects.all(), by).in_bulk(
        [pk for group in groups for pk in group.customer_ids]
    )
    rows = [
        (group, [customers[pk] for pk in group.customer_ids if pk in customers]) for group in groups
    ]
    rows = [(group, shown) for group, shown in rows if len(shown) > 1]
    customers = {customer.pk: customer for _group, shown in rows for customer in shown}
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="customers.customer",
        customer_ids=customers.keys(),
        detail="duplicate suggestions",
    )
    return rows


def merge_preview(first_id: int, second_id: int, *, by: Any) -> tuple[Customer, Customer] | None:
    """The two customers of a merge preview, or None when either is missing; audited once
    naming both. A customer ``by`` may not merge (staff limited to shops: one outside their
    shops, or shared with another shop) counts as missing and leaves a REFUSE row."""
    found = Customer.objects.in_bulk([first_id, second_id])
    if first_id not in found or second_id not in found:
        return None
    if not all(may_see_customer(pk, by=by, detail="merge preview") for pk in (first_id, second_id)):
        return None
    if not may_merge_customers([first_id, second_id], by=by, detail="merge preview"):
        return None
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="customers.customer",
        customer_ids=[first_id, second_id],
        detail="merge preview",
    )
    return found[first_id], found[second_id]


def duplicates_of(customer: Customer, *, by: Any = None) -> list[DuplicateCandidate]:
    """Other active customers who are probably the same person (for the 360 page's notice).

    One index lookup by exact name keys (then phone keys and addresses compared here; the
    phone gets a lookup of its own only for a name shared by more than ``NAME_CANDIDATES``).
    With ``by`` (a staff page) the candidates shown are audited once.
    """
    if customer.status != CustomerStatus.ACTIVE or not customer.last_name_key:
        return []
    reasons: dict[int, list[DuplicateReason]] = {}
    own = {
        (postal_key(a.postal_code), street_key(a.street))
        for a in customer.addresses.all()
        if a.street
    }
    namesakes: list[tuple[int, str]] = []
    if customer.phone_key or own:
        # One lookup of the namesakes serves both reasons; only when there are more of them
        # than are read does the phone need a lookup of its own.
        namesakes = list(
            _active()
            .filter(last_name_key=customer.last_name_key, first_name_key=customer.first_name_key)
            .exclude(pk=customer.pk)
            .values_list("id", "phone_key")[:NAME_CANDIDATES]
        )
    if customer.phone_key:
        if len(namesakes) < NAME_CANDIDATES:
            same_phone = [pk for pk, phone_key in namesakes if phone_key == customer.phone_key]
        else:
            same_phone = list(
                _active()
                .filter(
                    phone_key=customer.phone_key,
                    last_name_key=customer.last_name_key,
                    first_name_key=customer.first_name_key,
                )
                .exclude(pk=customer.pk)
                .values_list("id", flat=True)[:NAME_CANDIDATES]
            )
        for pk in same_phone:
            reasons.setdefault(pk, []).append(DuplicateReason.PHONE_AND_NAME)
    if own and namesakes:
        for address in Address.objects.filter(customer_id__in=[pk for pk, _ in namesakes]):
            if (postal_key(address.postal_code), street_key(address.street)) in own:
                found = reasons.setdefault(address.customer_id, [])
                if DuplicateReason.ADDRESS_AND_NAME not in found:
                    found.append(DuplicateReason.ADDRESS_AND_NAME)
    if not reasons:
        return []
    dismissed = _dismissed_pairs({customer.pk, *reasons})
    # The notice offers a merge: staff limited to shops are shown the candidates they may
    # merge, and none for a customer shared with another shop.
    rule = whole_customer_scope(by)
    if rule is not None and not Customer.objects.filter(rule, pk=customer.pk).exists():
        return []
    others = mergeable(Customer.objects.all(), by).in_bulk(list(reasons))
    candidates = [
        DuplicateCandidate(others[pk], tuple(found))
        for pk, found in sorted(reasons.items())
        if tuple(sorted((customer.pk, pk))) not in dismissed and pk in others
    ]
    if by is not None and candidates:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="customers.customer",
            customer_ids=[candidate.customer.pk for candidate in candidates],
            detail="duplicate notice",
        )
    return candidates


@transaction.atomic
def dismiss_duplicates(customer_ids: list[int] | tuple[int, ...], *, by: Any) -> int:
    """Record that these customers are different people; returns the pairs newly dismissed.
    Staff limited to shops dismiss only pairs of their shops' customers: another shop's
    customer is left out with a REFUSE row (``queries.may_see_customer``)."""
    ids = sorted(set(customer_ids))
    created = 0
    existing = {
        pk
        for pk in Customer.objects.filter(pk__in=ids).values_list("id", flat=True)
        if may_see_customer(pk, by=by, detail="dismiss duplicates")
    }
    for first, second in combinations([pk for pk in ids if pk in existing], 2):
        try:
            with transaction.atomic():
                _row, was_new = DismissedDuplicate.objects.get_or_create(
                    first_id=first,
                    second_id=second,
                    defaults={
                        "dismissed_by": by if getattr(by, "is_authenticated", False) else None
                    },
                )
        except IntegrityError:  # a colleague dismissed the same pair at the same moment
            continue
        if was_new:
            created += 1
            audit(
                actor=by,
                action=AuditAction.CHANGE,
                object_type="customers.dismissedduplicate",
                object_id=f"{first}-{second}",
                customer_id=first,
                detail=f"not a duplicate of #{second}",
            )
    return created
