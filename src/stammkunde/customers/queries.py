"""Reads of customer data for views, the API and jobs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.compiled import CONTAINED, ID, TEXT, CompiledRead
from stammkunde.core.keys import name_key, normalize_email, phone_key, prefix_range
from stammkunde.core.scoping import customer_scope, in_customer_scope, whole_customer_scope
from stammkunde.customers.matching import (  # noqa: F401 (resolve_merged: read from here too)
    BuyerKey,
    match_customer,
    match_customers,
    resolve_merged,
)
from stammkunde.customers.models import (
    Address,
    ConsentEvent,
    ConsentRequest,
    Customer,
    CustomerStatus,
    PrivacyRequest,
)


def active_customers() -> QuerySet[Customer]:
    """Customers that are neither merged away nor erased, in name order."""
    return Customer.objects.filter(status=CustomerStatus.ACTIVE).order_by(
        "last_name_key", "first_name_key", "id"
    )


# The start page's customer count may be this old: counting walks an index entry per customer
# (10 ms at 5,000, far more at a million) and the start page is opened all day.
CUSTOMER_COUNT_SECONDS = 60


def active_customer_count() -> int:
    """How many customers are neither merged away nor erased, counted at most once a minute
    (``CUSTOMER_COUNT_SECONDS``) per cache."""
    count = cache.get("customers:active_count")
    if count is None:
        count = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
        cache.set("customers:active_count", count, CUSTOMER_COUNT_SECONDS)
    return count


def _prefix(queryset: QuerySet[Customer], field: str, key: str) -> QuerySet[Customer]:
    low, high = prefix_range(key)
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lt": high})


# The search's scans compiled once (core/compiled.py) per shape and limit; only for limits up
# to COMPILED_LIMIT (a page of results and the next page's first), so the shapes are few.
COMPILED_LIMIT = 101
_compiled_scans: dict[tuple, CompiledRead] = {}


def _compiled_scan(shape: tuple, limit: int, build: Any, **kinds: str) -> CompiledRead | None:
    """The scan ``build`` (a queryset of ids, sliced at ``limit``) compiled for ``shape``, or
    None above COMPILED_LIMIT."""
    if limit > COMPILED_LIMIT:
        return None
    key = (*shape, limit)
    if key not in _compiled_scans:
        _compiled_scans[key] = CompiledRead(build, **kinds)
    return _compiled_scans[key]


# Each one-field prefix scan: the field and the order the index serves it in.
_PREFIX_ORDER = {
    "email": ("email",),
    "phone_key": ("phone_key",),
    "last_name_key": ("last_name_key", "first_name_key", "id"),
    "first_name_key": ("first_name_key", "last_name_key", "id"),
    "email_reversed": ("email_reversed",),
}


def _ids_by_prefix(field: str, key: str, *, limit: int) -> list[int]:
    """Ids of the unmerged customers whose ``field`` starts with ``key`` (index order)."""
    low, high = prefix_range(key)
    order = _PREFIX_ORDER[field]

    def build(low: str, high: str) -> QuerySet:
        scan = Customer.objects.exclude(status=CustomerStatus.MERGED).filter(
            **{f"{field}__gte": low, f"{field}__lt": high}
        )
        return scan.order_by(*order).values_list("id", flat=True)[:limit]

    compiled = _compiled_scan(("prefix", field), limit, build, low=TEXT, high=TEXT)
    if compiled is None:
        return list(build(low, high))
    return compiled.fetch(low=low, high=high)


def customer_ids_matching(term: str, *, limit: int) -> list[int]:
    """Ids of customers whose e-mail, name or phone starts with ``term``, whose e-mail ends with
    or contains it, or with an address in the postal code (and city) or the city ``term`` names.

    Each kind of match is one index range scan with its own limit, so the cost does not grow
    with the number of customers. Multi-word terms match first and last name in either order.
    """
    term = term.replace("\x00", "").strip()
    if not term:
        return []
    base = Customer.objects.exclude(status=CustomerStatus.MERGED)
    found: list[int] = []
    # Each scan: one-field prefix (field, key) or a queryset; in this order.
    candidates: list[tuple[str, str] | QuerySet[Customer]] = []
    if "@" in term or " " not in term:
        candidates.append(("email", normalize_email(term) or ""))
    phone = phone_key(term)
    if len(phone) >= 4 and sum(ch.isdigit() for ch in term) >= len(term.replace(" ", "")) * 0.6:
        candidates.append(("phone_key", phone))
    key = name_key(term)
    words = key.split(" ")
    if key and "@" not in term:
        candidates.append(("last_name_key", key))
        if len(words) == 1:
            candidates.append(("first_name_key", key))
        else:
            first, rest = words[0], " ".join(words[1:])
            last, before = words[-1], " ".join(words[:-1])
            for given, family in ((first, rest), (before, last), (rest, first), (last, before)):
                scan = _prefix(_prefix(base, "last_name_key", family), "first_name_key", given)
                candidates.append(scan.order_by("last_name_key", "first_name_key", "id"))
    for candidate in candidates:
        if isinstance(candidate, tuple):
            ids = _ids_by_prefix(*candidate, limit=limit)
        else:
            ids = list(candidate.values_list("id", flat=True)[:limit])
        for pk in ids:
            if pk not in found:
                found.append(pk)
    # The broader scans only while the page is not full: a common last name fills it from
    # the name index, and the e-mail scan (up to EMAIL_SCAN_BOUND rows on SQLite) is skipped.
    scans = (
        lambda: _customer_ids_by_place(term, limit=limit),
        lambda: _customer_ids_by_city(term, limit=limit),
        lambda: _customer_ids_by_email_part(term, limit=limit),
    )
    for scan in scans:
        if len(found) >= limit:
            break
        for pk in scan():
            if pk not in found:
                found.append(pk)
    return found[:limit]


# A part of an e-mail address shorter than this ("de", "a") would match half the customers.
MIN_EMAIL_PART = 3
# Without a trigram index (SQLite, or PostgreSQL without pg_trgm) a part from the middle of an
# address is looked for among the newest this many customers only: a scan of bounded cost
# instead of one that grows with the shop. The domain is found in all of them (email_reversed).
EMAIL_SCAN_BOUND = 50_000
EMAIL_TRIGRAM_INDEX = "customer_email_trgm"


def _customer_ids_by_email_part(term: str, *, limit: int) -> list[int]:
    """Ids of customers whose e-mail ends with ``term`` ("@gmx.de", "gmx.de": a prefix scan of
    email_reversed) or contains it ("muster" in "erika.muster@web.de": the trigram index on
    PostgreSQL, else a bounded scan of the newest customers)."""
    part = term.strip().lower()
    if len(part.lstrip("@")) < MIN_EMAIL_PART or " " in part or part.isdigit():
        return []
    found: list[int] = []
    if part.startswith("@") or ("." in part and "@" not in part):
        found.extend(_ids_by_prefix("email_reversed", part[::-1], limit=limit))
    if len(found) >= limit:
        return found
    if _has_email_trigram_index():
        containing = list(
            Customer.objects.exclude(status=CustomerStatus.MERGED)
            .filter(email__contains=part)
            .values_list("id", flat=True)[:limit]
        )
    else:
        newest = _NEWEST_CUSTOMER.first() or 0
        # Walks the primary key backwards from the newest customer and stops at the bound.
        containing = _ids_containing(part, above=newest - EMAIL_SCAN_BOUND, limit=limit)
    for pk in containing:
        if pk not in found:
            found.append(pk)
    return found


_NEWEST_CUSTOMER = CompiledRead(
    lambda: Customer.objects.order_by("-id").values_list("id", flat=True)[:1]
)


def _ids_containing(part: str, *, above: int, limit: int) -> list[int]:
    """Ids above ``above`` of the unmerged customers whose e-mail contains ``part``, newest
    first (a bounded walk of the primary key)."""

    def build(part: str, above: int) -> QuerySet:
        containing = Customer.objects.exclude(status=CustomerStatus.MERGED).filter(
            email__contains=part, id__gt=above
        )
        return containing.order_by("-id").values_list("id", flat=True)[:limit]

    compiled = _compiled_scan(("containing",), limit, build, part=CONTAINED, above=ID)
    if compiled is None:
        return list(build(part, above))
    return compiled.fetch(part=part, above=above)


_trigram_index_by_database: dict[str, bool] = {}


def _has_email_trigram_index() -> bool:
    """Whether the migration could create the trigram index on the e-mail (PostgreSQL with
    pg_trgm); asked once per database and process."""
    if connection.vendor != "postgresql":
        return False
    name = connection.settings_dict["NAME"]
    if name not in _trigram_index_by_database:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [EMAIL_TRIGRAM_INDEX])
            _trigram_index_by_database[name] = cursor.fetchone() is not None
    return _trigram_index_by_database[name]


def _customer_ids_by_city(term: str, *, limit: int) -> list[int]:
    """Ids of customers with an address in a city starting with ``term`` ("München", also typed
    "münchen"): prefix range scans of the address_city index."""
    city = term.strip()
    if len(city) < MIN_EMAIL_PART or "@" in city or any(ch.isdigit() for ch in city):
        return []
    found: list[int] = []

    # Cities are stored as written ("München"); an agent types "münchen" as often.
    def build(low: str, high: str) -> QuerySet:
        addresses = Address.objects.filter(
            city__gte=low, city__lt=high, customer__status=CustomerStatus.ACTIVE
        ).order_by("city")
        return addresses.values_list("customer_id", flat=True)[: limit * 2]

    compiled = _compiled_scan(("city",), limit, build, low=TEXT, high=TEXT)
    for spelling in dict.fromkeys((city, city[:1].upper() + city[1:])):
        low, high = prefix_range(spelling)
        rows = build(low, high) if compiled is None else compiled.fetch(low=low, high=high)
        for pk in rows:
            if pk not in found:
                found.append(pk)
    return found[:limit]


# "80331", "80331 München", "München 80331": a German (or Austrian, Swiss) postal code, and
# perhaps the start of the city.
POSTAL_CODE_FIRST = re.compile(r"^(?P<code>\d{4,5})(?:[\s,]+(?P<city>\D.*))?$")
CITY_FIRST = re.compile(r"^(?P<city>\D.*?)[\s,]+(?P<code>\d{4,5})$")


def _customer_ids_by_place(term: str, *, limit: int) -> list[int]:
    """Ids of customers with an address in the postal code of ``term`` (and the city it names),
    one range scan of the address_postal_city index."""
    match = POSTAL_CODE_FIRST.match(term) or CITY_FIRST.match(term)
    if match is None:
        return []
    low, high = prefix_range(match["code"])
    addresses = Address.objects.filter(
        postal_code__gte=low,
        postal_code__lt=high,
        customer__status=CustomerStatus.ACTIVE,
    )
    if match["city"]:
        addresses = addresses.filter(city__istartswith=match["city"].strip())
    # In index order: no sort of the many addresses one postal code may have.
    rows = addresses.order_by("postal_code", "city").values_list("customer_id", flat=True)
    found: list[int] = []
    for pk in rows[: limit * 2]:
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


# The reads every customer page makes, compiled once (core/compiled.py).
_CONSENT_EVENTS = CompiledRead(
    lambda customer_id: ConsentEvent.objects.filter(customer_id=customer_id).order_by(
        "-given_at", "-id"
    ),
    customer_id=ID,
)
_CUSTOMER_WITH_SURVIVOR = CompiledRead(
    lambda pk: Customer.objects.select_related("merged_into").filter(pk=pk).order_by(),
    pk=ID,
)


def current_consents(customer_id: int) -> list[ConsentState]:
    """The newest consent event per (channel, purpose): what the customer has agreed to now."""
    seen: dict[tuple[str, str], ConsentState] = {}
    for event in _CONSENT_EVENTS.fetch(customer_id=customer_id):
        key = (event.channel, event.purpose)
        if key not in seen:
            seen[key] = ConsentState(
                event.channel, event.purpose, event.granted, event.given_at, event.source
            )
    return sorted(seen.values(), key=lambda state: (state.channel, state.purpose))


def consent_granted_many(
    customer_ids: Iterable[int], *, channel: str
) -> dict[tuple[int, str], bool]:
    """``current_consents`` for many customers on one channel, in one query: (customer id,
    purpose) -> granted, the newest event winning. Pairs without any event are absent."""
    rows = (
        ConsentEvent.objects.filter(customer_id__in=list(customer_ids), channel=channel)
        .order_by("given_at", "id")
        .values_list("customer_id", "purpose", "granted")
    )
    return {(customer_id, purpose): granted for customer_id, purpose, granted in rows}


def find_by_email(email: str | None) -> Customer | None:
    """The customer with this e-mail address (normalized), or the survivor of the customer who
    had it before a merge; None when nobody has it (``matching.match_customer``)."""
    customer_id = match_customer(None, email=email)
    return None if customer_id is None else Customer.objects.filter(pk=customer_id).first()


def find_by_emails(emails: Iterable[str]) -> dict[str, int]:
    """``find_by_email`` for many addresses: normalized address -> customer id, where found."""
    keys = sorted({key for key in (normalize_email(email) for email in emails) if key})
    found = match_customers(None, [BuyerKey("", key) for key in keys])
    return {key: pk for key, pk in zip(keys, found, strict=True) if pk is not None}


# Audited reads for staff and integrations (docs/INTERNALS.md, "Audited reads"): each takes
# the acting user (``by``: a staff user or an API actor) and writes one audit row per page.


def customer_for_staff(pk: int, *, by: Any, detail: str = "") -> Customer | None:
    """The customer ``pk`` (merged or not) for a page that shows their data, or None.

    Audited: one VIEW row naming the customer and ``detail`` (which page or API read). A
    customer outside the shops ``by`` is limited to is None, as if it did not exist, and
    leaves a REFUSE row (``may_see_customer``).
    """
    customer = _CUSTOMER_WITH_SURVIVOR.first(pk=pk)
    if customer is not None and not may_see_customer(pk, by=by, detail=detail):
        return None
    if customer is not None:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            obj=customer,
            customer_id=customer.pk,
            detail=detail,
        )
    return customer


def customer_to_edit(pk: int, *, by: Any, detail: str) -> Customer | None:
    """The active customer ``pk`` (not merged away, not erased) for a form that shows their
    data to change it (the profile, an address), or None: none such, or outside the shops
    ``by`` is limited to (a REFUSE row).

    Audited: one VIEW row naming the customer and ``detail``, like the 360 page: the form
    shows name, e-mail and addresses. A submit is audited by the service that changes them.
    """
    customer = Customer.objects.filter(pk=pk, status=CustomerStatus.ACTIVE).first()
    if customer is None or not may_see_customer(pk, by=by, detail=detail):
        return None
    audit(actor=by, action=AuditAction.VIEW, obj=customer, customer_id=pk, detail=detail)
    return customer


def customers_page(
    *, by: Any, offset: int, limit: int, detail: str = "list", only: Q | None = None
) -> list[Customer]:
    """Up to ``limit`` + 1 active customers from ``offset`` in name order (tags prefetched);
    the extra row tells a next page exists without counting the table. ``only``: a filter
    that limits the list (``shop/visibility.py``: the customers of some shops).

    Audited: one VIEW row listing the ids of the (at most ``limit``) customers shown.
    """
    listed = in_customer_scope(active_customers(), by)
    if only is not None:
        listed = listed.filter(only)
    customers = list(listed.prefetch_related("tags")[offset : offset + limit + 1])
    record_list_view([customer.pk for customer in customers[:limit]], by=by, detail=detail)
    return customers


def may_see_customer(pk: int, *, by: Any, detail: str = "") -> bool:
    """Whether ``by`` may see customer ``pk`` (staff limited to shops: ``core/scoping.py``).
    A refusal is answered as "no such customer" by the caller and leaves a REFUSE row, so a
    probe of other shops' customers is on record."""
    rule = customer_scope(by)
    if rule is None or Customer.objects.filter(rule, pk=pk).exists():
        return True
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type="customers.customer",
        object_id=pk,
        detail=f"outside the staff member's shops: {detail}"[:200],
    )
    return False


def may_merge_customers(ids: Iterable[int], *, by: Any, detail: str = "") -> bool:
    """Whether ``by`` may merge these customers (preview or act): a merge moves every shop's
    orders, accounts and cases, so staff limited to shops may merge only customers of none but
    their shops (``core.scoping.whole_customer_scope``). Each refused customer leaves a REFUSE
    row, and the caller answers as if it did not exist."""
    wanted = set(ids)
    rule = whole_customer_scope(by)
    if rule is None:
        return True
    allowed = set(Customer.objects.filter(rule, pk__in=wanted).values_list("pk", flat=True))
    for pk in sorted(wanted - allowed):
        audit(
            actor=by,
            action=AuditAction.REFUSE,
            object_type="customers.customer",
            object_id=pk,
            detail=f"outside the staff member's shops: {detail}"[:200],
        )
    return allowed == wanted


def mergeable(customers: QuerySet[Customer], by: Any) -> QuerySet[Customer]:
    """``customers`` without those ``by`` may not merge (``may_merge_customers``)."""
    rule = whole_customer_scope(by)
    return customers if rule is None else customers.filter(rule)


def record_list_view(customer_ids: Iterable[int], *, by: Any, detail: str) -> None:
    """Write the one audit row of a page that showed these customers (a list, search results,
    duplicate suggestions). For the audited queries of higher apps that list customers."""
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="customers.customer",
        customer_ids=customer_ids,
        detail=detail,
    )


def consent_proof(customer_id: int, *, by: Any) -> list[ConsentRequest]:
    """Every double opt-in of the customer with its proof, newest first (a read of personal
    data by staff: audited)."""
    requests = list(
        ConsentRequest.objects.filter(customer_id=customer_id)
        .select_related("consent_event")
        .order_by("-requested_at", "-id")
    )
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="customers.consentrequest",
        object_id=customer_id,
        customer_id=customer_id,
        detail="consent proof",
    )
    return requests


def privacy_requests_page(
    *, by: Any, state: str = "", offset: int = 0, limit: int = 50
) -> list[PrivacyRequest]:
    """One page of privacy requests, newest first, optionally in one state (+1 row: a next
    page). Staff limited to shops see the requests of their shops' customers only; the page
    names customers by id, so its read is audited like a list."""
    rows = in_customer_scope(
        PrivacyRequest.objects.select_related("requested_by"), by, field="customer_id"
    )
    if state:
        rows = rows.filter(state=state)
    page = list(rows[offset : offset + limit + 1])
    record_list_view(
        [record.customer_id for record in page[:limit]], by=by, detail="privacy requests"
    )
    return page
