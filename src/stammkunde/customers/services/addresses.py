"""A customer's postal addresses as staff add and change them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Address, Customer
from stammkunde.customers.services.errors import CustomerError, require_changeable
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

ADDRESS_FIELDS = ("kind", "company", "name", "street", "street2", "postal_code", "city", "country")


@transaction.atomic
def save_address(
    customer: Customer, *, by: Any, address: Address | None = None, **fields: Any
) -> Address:
    """Add an address to the customer (``address`` None) or change one of theirs; a default
    address of a kind makes the kind's other addresses non-default. Timeline entry and audit
    row name the change; nothing is written when nothing changed."""
    require_changeable(customer)
    unknown = set(fields) - {*ADDRESS_FIELDS, "is_default"}
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if address is not None and address.customer_id != customer.pk:
        raise CustomerError(_("This address belongs to another customer."))
    fields["country"] = (fields.get("country") or "DE").strip().upper()
    if len(fields["country"]) != 2 or not fields["country"].isalpha():
        raise CustomerError(_("The country is a two-letter code such as DE or AT."))
    created = address is None
    target = address or Address(customer=customer)
    changed = [name for name, value in fields.items() if getattr(target, name) != value]
    if not created and not changed:
        return target
    for name in changed:
        setattr(target, name, fields[name])
    try:
        target.full_clean(exclude=["customer"])
    except ValidationError as error:
        raise CustomerError(" ".join(error.messages)) from None
    target.save()
    if target.is_default:
        customer.addresses.filter(kind=target.kind).exclude(pk=target.pk).update(is_default=False)
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        params={"fields": ["address"]},
        actor=by,
        subject=target,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=target,
        customer_id=customer.pk,
        fields=sorted(set(changed) | ({"address"} if created else set())),
    )
    return target
