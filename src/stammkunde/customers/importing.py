"""Writes of customer data that an imported file brings: profile, tags, billing address.

The importer (``connectors.csv_import.customers``) parses and checks the rows, matches each to
a customer with ``matching.match_customers`` and hands the rows over here; consent goes through
``shop_data.record_reported_consents``, the rule every reported consent follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from stammkunde.customers.models import Address, AddressKind, Customer, Tag
from stammkunde.customers.services.errors import CustomerError
from stammkunde.customers.services.profile import EDITABLE_FIELDS
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import ActivityRow, record_activity_rows

# What a customers file may set: the fields staff may edit, except free-form preferences.
PROFILE_FIELDS = tuple(sorted(EDITABLE_FIELDS - {"preferences"}))


class EmailTaken(CustomerError):
    """The row's e-mail belongs to another customer than the one its shop id names."""


@dataclass
class ImportedCustomer:
    """One checked row of a customers file: profile values (names as in PROFILE_FIELDS, the
    e-mail normalized), tag names and the billing address, each only where the file has one."""

    profile: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    address: dict[str, str] | None = None

    @property
    def email(self) -> str | None:
        return self.profile.get("email")


@transaction.atomic
def save_imported_customer(
    row: ImportedCustomer,
    *,
    customer_id: int | None,
    source_label: str,
    occurred_at: datetime,
) -> tuple[Customer, bool, bool]:
    """Create the customer (``customer_id`` None) or take over the file's values; return it,
    whether it was created and whether an existing one changed.

    Empty cells never blank a stored value. A matched customer whose e-mail differs from the
    row's keeps it if the row's address belongs to someone else (EmailTaken).
    """
    unknown = set(row.profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not taken from a file: {sorted(unknown)}")
    customer = Customer.objects.get(pk=customer_id) if customer_id is not None else None
    email = row.email
    if (
        customer is not None
        and email
        and customer.email != email
        and Customer.objects.filter(email=email).exclude(pk=customer.pk).exists()
    ):
        raise EmailTaken(email)
    created = customer is None
    updated = False
    if customer is None:
        customer = Customer(**row.profile)
        customer.save()
        record_activity_rows(
            [
                ActivityRow(
                    customer_id=customer.pk,
                    kind=ActivityKind.CUSTOMER_CREATED.value,
                    occurred_at=occurred_at,
                    params={"source": "csv_import"},
                    actor_label=source_label[:150],
                    dedupe_key=f"customer:{customer.pk}:created",
                )
            ]
        )
    else:
        changed = [name for name, value in row.profile.items() if getattr(customer, name) != value]
        if changed:
            for name in changed:
                setattr(customer, name, row.profile[name])
            customer.save(update_fields=[*changed, "updated_at"])
            updated = True
    if row.tags:
        customer.tags.add(*(Tag.objects.get_or_create(name=name)[0] for name in row.tags))
    if row.address:
        _save_address(customer, row.address)
    return customer, created, updated


def _save_address(customer: Customer, address: dict[str, str]) -> None:
    """The file's address becomes (or updates) the default billing address."""
    current = customer.addresses.filter(kind=AddressKind.BILLING, is_default=True).first()
    if current is None:
        Address.objects.create(customer=customer, kind=AddressKind.BILLING, **address)
        return
    changed = [name for name, value in address.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, address[name])
    if changed:
        current.save(update_fields=changed)
