"""Creating a customer, changing their profile fields, and recording that staff read them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.customers.services.errors import CustomerConflict, CustomerError
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

# The fields staff may change through update_customer; anything else is a programming error.
EDITABLE_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "salutation",
        "title",
        "form_of_address",
        "language",
        "phone",
        "birthday",
        "company",
        "vat_id",
        "preferences",
    }
)


def _clean_email(email: str | None, *, exclude_pk: int | None = None) -> str | None:
    email = normalize_email(email)
    if email is None:
        return None
    try:
        validate_email(email)
    except ValidationError:
        raise CustomerError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}
        ) from None
    clash = Customer.objects.filter(email=email)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise CustomerConflict(
            _("Another customer already has the e-mail %(email)s.") % {"email": email}
        )
    return email


@transaction.atomic
def create_customer(*, by: Any | None, source: str = "", **fields: Any) -> Customer:
    """Create a customer from the editable fields and record who created it."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    fields["email"] = _clean_email(fields.get("email"))
    customer = Customer(**fields)
    customer.save()
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_CREATED,
        params={"source": source} if source else {},
        actor=by,
        actor_label=source,
    )
    audit(actor=by, action=AuditAction.CREATE, obj=customer, customer_id=customer.pk)
    return customer


@transaction.atomic
def update_customer(customer: Customer, *, by: Any | None, **changes: Any) -> Customer:
    """Change profile fields of a customer; only the fields that really change are written."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = _clean_email(changes["email"], exclude_pk=customer.pk)
    changed = [name for name, value in changes.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    for name in changed:
        setattr(customer, name, changes[name])
    customer.full_clean(exclude=["email", "tags", "merged_into"], validate_unique=False)
    customer.save(update_fields=[*changed, "updated_at"])
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        params={"fields": changed},
        actor=by,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=customer, customer_id=customer.pk, fields=changed
    )
    return customer


def record_customer_view(
    customer: Customer, *, by: Any, ip_address: str | None = None, detail: str = ""
) -> None:
    """Note in the audit log that a staff member (or an integration, ``by``) read this
    customer's data; ``detail`` says what, e.g. "api timeline"."""
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=customer,
        customer_id=customer.pk,
        ip_address=ip_address,
        detail=detail,
    )
