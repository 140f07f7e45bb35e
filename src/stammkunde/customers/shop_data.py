"""Writes of what the shop systems (and imported files) report about customers: new customers,
profile data, consent.

Each function takes a whole batch (the webhook inbox applies a hundred deliveries at once) and
needs a constant number of queries for it; the single-customer functions call them with one
item, so both paths follow the same rules and write the same timeline and audit entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction, AuditEntry
from stammkunde.audit.services import audit_system_changes
from stammkunde.core.events import publish_many
from stammkunde.customers.events import consent_changed
from stammkunde.customers.models import (
    Address,
    AddressKind,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
)
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import ActivityRow, record_activity_rows

# Profile fields a shop may fill in; the e-mail is identity and changes only through staff.
SHOP_PROFILE_FIELDS = frozenset({"first_name", "last_name", "phone", "company"})
DIRECT_SOURCES = (ConsentSource.CUSTOMER, ConsentSource.STAFF)
CUSTOMER_SUBJECT = Customer._meta.label_lower
CONSENT_SUBJECT = ConsentEvent._meta.label_lower


@dataclass(frozen=True)
class NewShopCustomer:
    """A customer a shop told us about and we do not know yet (e-mail normalized and valid)."""

    email: str | None
    first_name: str = ""
    last_name: str = ""


@transaction.atomic
def create_customers_from_shop(new: Sequence[NewShopCustomer], *, source: str) -> list[Customer]:
    """Create the customers (one INSERT), with their "created" timeline and audit entries.

    The caller has looked the e-mails up; one taken meanwhile by another worker fails the
    batch with an IntegrityError (the caller then applies its deliveries one by one).
    """
    customers = [
        Customer(email=row.email, first_name=row.first_name, last_name=row.last_name) for row in new
    ]
    for customer in customers:
        customer.refresh_keys()
    Customer.objects.bulk_create(customers)
    now = timezone.now()
    params = {"source": source} if source else {}
    kind = ActivityKind.CUSTOMER_CREATED.value
    record_activity_rows(
        ActivityRow(
            customer_id=customer.pk,
            kind=kind,
            occurred_at=now,
            params=params,
            actor_label=source,
        )
        for customer in customers
    )
    audit_system_changes((AuditAction.CREATE, c, c.pk, [], "") for c in customers)
    return customers


@dataclass
class ShopProfile:
    """Profile data a shop sent for one customer (``fields`` as in SHOP_PROFILE_FIELDS)."""

    customer: Customer
    changed_at: datetime | None
    source_label: str
    fields: dict[str, str] = field(default_factory=dict)
    address: dict[str, str] | None = None


def update_customer_from_shop(
    customer: Customer,
    *,
    changed_at: datetime | None,
    source_label: str,
    address: dict[str, str] | None = None,
    **fields: str,
) -> list[str]:
    """Take over profile data the shop sends; return the names of the fields changed.

    Empty values never erase what we hold, and a field staff edited after the shop's change
    (``changed_at``; ever, when the shop gives no time) keeps the staff's value. The shop's
    address (keys as in ``connectors.platforms.base.address``) is kept when we hold none.
    """
    [changed] = update_customers_from_shop(
        [ShopProfile(customer, changed_at, source_label, fields, address)]
    )
    return changed


@transaction.atomic
def update_customers_from_shop(profiles: Sequence[ShopProfile]) -> list[list[str]]:
    """``update_customer_from_shop`` for many different customers; changed field names each."""
    for profile in profiles:
        unknown = set(profile.fields) - SHOP_PROFILE_FIELDS
        if unknown:
            raise TypeError(f"not taken from the shop: {sorted(unknown)}")
    wanted = [
        {
            name: value[: Customer._meta.get_field(name).max_length]
            for name, value in profile.fields.items()
            if value and getattr(profile.customer, name) != value
        }
        for profile in profiles
    ]
    staff_edits = _staff_edits([p for p, w in zip(profiles, wanted, strict=True) if w])
    with_address = _customers_with_address(
        [p.customer.pk for p in profiles if _usable_address(p.address)]
    )
    results, activities, audits, addresses = [], [], [], []
    for profile, want in zip(profiles, wanted, strict=True):
        customer = profile.customer
        protected = {
            name
            for at, names in staff_edits.get(customer.pk, ())
            if profile.changed_at is None or at > profile.changed_at
            for name in names
        }
        changed = [name for name in want if name not in protected]
        for name in changed:
            setattr(customer, name, want[name])
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
        if _usable_address(profile.address) and customer.pk not in with_address:
            addresses.append(_first_address(customer, profile.address))
            with_address.add(customer.pk)
            changed.append("address")
        results.append(changed)
        if not changed:
            continue
        activities.append(
            ActivityRow(
                customer_id=customer.pk,
                kind=ActivityKind.CUSTOMER_UPDATED.value,
                occurred_at=profile.changed_at or timezone.now(),
                params={"fields": list(changed)},
                actor_label=profile.source_label,
            )
        )
        audits.append((AuditAction.CHANGE, customer, customer.pk, changed, profile.source_label))
    Address.objects.bulk_create(addresses)
    record_activity_rows(activities)
    audit_system_changes(audits)
    return results


def _staff_edits(profiles: Sequence[ShopProfile]) -> dict[int, list[tuple[datetime, list[str]]]]:
    """Per customer: (when, which profile fields) staff changed."""
    if not profiles:
        return {}
    entries = AuditEntry.objects.filter(
        customer_id__in=[profile.customer.pk for profile in profiles],
        action=AuditAction.CHANGE,
        object_type=CUSTOMER_SUBJECT,
        actor__isnull=False,
    ).values_list("customer_id", "at", "fields")
    found: dict[int, list[tuple[datetime, list[str]]]] = {}
    for customer_id, at, names in entries:
        found.setdefault(customer_id, []).append((at, names or []))
    return found


def _usable_address(address: dict[str, str] | None) -> bool:
    return bool(address and (address.get("street") or address.get("city")))


def _customers_with_address(customer_ids: list[int]) -> set[int]:
    if not customer_ids:
        return set()
    return set(
        Address.objects.filter(customer_id__in=customer_ids).values_list("customer_id", flat=True)
    )


def _first_address(customer: Customer, address: dict[str, str]) -> Address:
    """The shop's address as the customer's first (billing, default) address."""
    country = (address.get("country") or "").upper()
    return Address(
        customer=customer,
        kind=AddressKind.BILLING,
        company=address.get("company", "")[:200],
        name=address.get("name", "")[:200],
        street=address.get("street", "")[:200],
        street2=address.get("street2", "")[:200],
        postal_code=address.get("postal_code", "")[:16],
        city=address.get("city", "")[:100],
        country=country if len(country) == 2 and country.isalpha() else "",
        is_default=True,
    )


class ConsentEntry(NamedTuple):
    granted: bool
    given_at: datetime
    pk: int = 0


@dataclass(frozen=True)
class ShopConsent:
    """Marketing consent as a shop (or a file: ``source`` IMPORT) reports it for one customer."""

    customer: Customer
    channel: ConsentChannel
    granted: bool
    given_at: datetime | None
    source_detail: str = ""
    purpose: ConsentPurpose = ConsentPurpose.NEWSLETTER
    source: ConsentSource = ConsentSource.SHOP


class ConsentOutcome(NamedTuple):
    """What became of one reported consent: the ledger entry written (None when nothing
    changed), or the newer direct opt-out that kept a grant out of the ledger."""

    event: ConsentEvent | None
    held_back_by: ConsentEntry | None = None


def record_shop_consent(
    customer: Customer,
    *,
    channel: ConsentChannel,
    granted: bool,
    given_at: datetime | None,
    source_detail: str = "",
    purpose: ConsentPurpose = ConsentPurpose.NEWSLETTER,
) -> ConsentEvent | None:
    """Record marketing consent as the shop reports it; None when nothing changes.

    The rule is ``record_reported_consents``'.
    """
    [event] = record_shop_consents(
        [ShopConsent(customer, channel, granted, given_at, source_detail, purpose)]
    )
    return event


def record_shop_consents(reports: Sequence[ShopConsent]) -> list[ConsentEvent | None]:
    """``record_shop_consent`` for many reports, each about another customer and channel."""
    return [outcome.event for outcome in record_reported_consents(reports)]


@transaction.atomic
def record_reported_consents(reports: Sequence[ShopConsent]) -> list[ConsentOutcome]:
    """Record consent reported by a shop or a file (not by the customer directly), one outcome
    per report; each report is about another customer and channel.

    The ledger keeps changes, so a report equal to the current state adds nothing (this also
    makes redelivered webhooks and re-imported files harmless). A grant reported this way never
    overrides an opt-out the customer gave us directly (or staff recorded on their word) unless
    the grant is newer; a grant without a time of its own (a file) is never newer. Such a grant
    is not taken over, and the customer's timeline says so and why, once per opt-out and source.
    """
    ledgers = _consent_ledgers(reports)
    now = timezone.now()
    outcomes: list[ConsentOutcome] = []
    held_back: list[tuple[ShopConsent, ConsentEntry]] = []
    for report in reports:
        current, direct = ledgers.get(
            (report.customer.pk, report.channel, report.purpose), (None, None)
        )
        changes = (current.granted if current else False) != report.granted
        newer_opt_out = (
            report.granted
            and direct is not None
            and not direct.granted
            and (report.given_at is None or report.given_at <= direct.given_at)
        )
        if newer_opt_out and changes:
            outcomes.append(ConsentOutcome(None, direct))
            held_back.append((report, direct))
            continue
        if not changes or newer_opt_out:
            outcomes.append(ConsentOutcome(None))
            continue
        outcomes.append(
            ConsentOutcome(
                ConsentEvent(
                    customer=report.customer,
                    channel=report.channel,
                    purpose=report.purpose,
                    granted=report.granted,
                    source=report.source,
                    source_detail=report.source_detail[:200],
                    given_at=report.given_at or now,
                )
            )
        )
    events = [outcome.event for outcome in outcomes if outcome.event is not None]
    ConsentEvent.objects.bulk_create(events)
    record_activity_rows(
        [
            ActivityRow(
                customer_id=event.customer_id,
                kind=ActivityKind.CONSENT_CHANGED.value,
                occurred_at=event.given_at,
                params=consent_params(event),
                actor_label=event.source_detail or f"consent_source:{event.source}",
                subject_type=CONSENT_SUBJECT,
                subject_id=event.pk,
            )
            for event in events
        ]
        + [_held_back_activity(report, direct, now) for report, direct in held_back]
    )
    audit_system_changes(
        (AuditAction.CHANGE, event, event.customer_id, ["consent"], "") for event in events
    )
    publish_many([consent_changed(event) for event in events])
    return outcomes


def _held_back_activity(report: ShopConsent, direct: ConsentEntry, now: datetime) -> ActivityRow:
    """The timeline entry of a reported grant that a newer direct opt-out kept out."""
    source = report.source_detail or ConsentSource(report.source).label
    # The source as stored: a shop's or file's name, else the ConsentSource value (shown as
    # its label in the reader's language).
    params = {
        "purpose": report.purpose,
        "channel": report.channel,
        "source": report.source_detail or str(report.source),
        "opted_out_on": direct.given_at.date().isoformat(),
    }
    # Once per opt-out and source: a redelivered webhook or a re-imported file adds none.
    source_hash = hashlib.sha256(f"{report.source}:{source}".encode()).hexdigest()[:16]
    return ActivityRow(
        customer_id=report.customer.pk,
        kind=ActivityKind.CONSENT_NOT_TAKEN.value,
        occurred_at=report.given_at or now,
        params=params,
        actor_label=(report.source_detail or f"consent_source:{report.source}")[:150],
        subject_type=CONSENT_SUBJECT,
        subject_id=direct.pk,
        dedupe_key=f"consent:{direct.pk}:held-back:{source_hash}",
    )


def consent_params(event: ConsentEvent) -> dict[str, Any]:
    """The timeline params of a consent change ("Newsletter (E-mail): withdrawn" when shown)."""
    return {"purpose": event.purpose, "channel": event.channel, "granted": event.granted}


def _consent_ledgers(
    reports: Sequence[ShopConsent],
) -> dict[tuple, tuple[ConsentEntry | None, ConsentEntry | None]]:
    """Per (customer, channel, purpose): the current entry and the latest direct one."""
    if not reports:
        return {}
    ledgers: dict[tuple, tuple[ConsentEntry | None, ConsentEntry | None]] = {}
    entries = (
        ConsentEvent.objects.filter(
            customer_id__in={report.customer.pk for report in reports},
            channel__in={report.channel for report in reports},
        )
        .order_by("given_at", "id")
        .values_list("customer_id", "channel", "purpose", "granted", "source", "given_at", "id")
    )
    for customer_id, channel, purpose, granted, source, given_at, pk in entries:
        key = (customer_id, channel, purpose)
        entry = ConsentEntry(granted, given_at, pk)
        _current, direct = ledgers.get(key, (None, None))
        ledgers[key] = (entry, entry if source in DIRECT_SOURCES else direct)
    return ledgers
