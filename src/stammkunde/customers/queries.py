"""Reads of customer data for views, the API and jobs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from stammkunde.core.keys import name_key, normalize_email, phone_key, prefix_range
from stammkunde.customers.models import ConsentEvent, Customer, CustomerMerge, CustomerStatus


def active_customers() -> QuerySet[Customer]:
    """Customers that are neither merged away nor erased, in name order."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE).order_by(
        "last_name_key", "first_name_key", "id"
    )


def _prefix(queryset: QuerySet[Customer], field: str, key: str) -> QuerySet[Customer]:
    low, high = prefix_range(key)
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lt": high})


def customer_ids_matching(term: str, *, limit: int) -> list[int]:
    """Ids of customers whose e-mail, name or phone starts with ``term``.

    Each kind of match is one index range scan with its own limit, so the cost does not grow
    with the number of customers. Multi-word terms match first and last name in either order.
    """
    term = term.replace("\x00", "").strip()
    if not term:
        return []
    base = Customer.objects.exclude(status=CustomerStatus.MERGED)
    found: list[int] = []
    candidates: list[QuerySet[Customer]] = []
    if "@" in term or " " not in term:
        email = normalize_email(term) or ""
        candidates.append(_prefix(base, "email", email).order_by("email"))
    phone = phone_key(term)
    if len(phone) >= 4 and sum(ch.isdigit() for ch in term) >= len(term.replace(" ", "")) * 0.6:
        candidates.append(_prefix(base, "phone_key", phone).order_by("phone_key"))
    key = name_key(term)
    words = key.split(" ")
    if key and "@" not in term:
        by_last = _prefix(base, "last_name_key", key)
        candidates.append(by_last.order_by("last_name_key", "first_name_key", "id"))
        if len(words) == 1:
            by_first = _prefix(base, "first_name_key", key)
            candidates.append(by_first.order_by("first_name_key", "last_name_key", "id"))
        else:
            first, rest = words[0], " ".join(words[1:])
            last, before = words[-1], " ".join(words[:-1])
            for given, family in ((first, rest), (before, last), (rest, first), (last, before)):
                scan = _prefix(_prefix(base, "last_name_key", family), "first_name_key", given)
                candidates.append(scan.order_by("last_name_key", "first_name_key", "id"))
    for queryset in candidates:
        for pk in queryset.values_list("id", flat=True)[:limit]:
            if pk not in found:
                found.append(pk)
    return found[:limit]


@dataclass(frozen=True)
class ConsentState:
    channel: str
    purpose: str
    granted: bool
    since: datetime
    source: str


def current_consents(customer_id: int) -> list[ConsentState]:
    """The newest consent event per (channel, purpose): what the customer has agreed to now."""
    seen: dict[tuple[str, str], ConsentState] = {}
    for event in ConsentEvent.objects.filter(customer_id=customer_id).order_by("-given_at", "-id"):
        key = (event.channel, event.purpose)
        if key not in seen:
            seen[key] = ConsentState(
                event.channel, event.purpose, event.granted, event.given_at, event.source
            )
    return sorted(seen.values(), key=lambda state: (state.channel, state.purpose))


# Merges never form long chains (merging re-points older merges at the new survivor), so a
# handful of hops is plenty; the bound only guards against a cycle left by a data bug.
MAX_MERGE_HOPS = 20


def resolve_merged(customer_id: int) -> int:
    """The id of the customer that ``customer_id`` lives on in: itself unless merged away.

    Follows ``merged_into`` until an unmerged customer; an unknown id is returned unchanged.
    """
    current = customer_id
    for _hop in range(MAX_MERGE_HOPS):
        row = Customer.objects.filter(pk=current).values_list("status", "merged_into_id").first()
        if row is None or row[0] != CustomerStatus.MERGED or row[1] is None:
            return current
        current = row[1]
    return current


def find_by_email(email: str | None) -> Customer | None:
    """The customer with this e-mail address (normalized), or the survivor of the customer who
    had it before a merge; None when nobody has it."""
    key = normalize_email(email)
    if not key:
        return None
    customer = Customer.objects.filter(email=key).first()
    if customer is not None:
        if customer.status == CustomerStatus.MERGED:  # not freed: an old or partial merge
            return Customer.objects.filter(pk=resolve_merged(customer.pk)).first()
        return customer
    merge = CustomerMerge.objects.filter(merged_email=key).order_by("-merged_at", "-id").first()
    if merge is None:
        return None
    return Customer.objects.filter(pk=resolve_merged(merge.survivor_id)).first()


def find_by_emails(emails: Iterable[str]) -> dict[str, int]:
    """``find_by_email`` for many addresses: normalized address -> customer id, where found.

    One query for the common case; the holder merged away is followed to its survivor, and an
    address freed by a merge to the survivor of the customer who had it.
    """
    keys = {key for key in (normalize_email(email) for email in emails) if key}
    if not keys:
        return {}
    found: dict[str, int] = {}
    rows = Customer.objects.filter(email__in=keys).values_list("email", "pk", "status")
    for email, pk, status in rows:
        found[email] = resolve_merged(pk) if status == CustomerStatus.MERGED else pk
    missing = keys - set(found)
    if missing:
        merges = CustomerMerge.objects.filter(merged_email__in=missing).order_by("merged_at", "id")
        survivors = dict(merges.values_list("merged_email", "survivor_id"))  # newest merge wins
        for key, survivor_id in survivors.items():
            found[key] = resolve_merged(survivor_id)
    return found
