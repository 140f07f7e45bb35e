"""Every change to customers: each function runs in one transaction and writes the timeline
entry and the audit entry for what it did."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
)
from stammkunde.timeline.models import Activity, ActivityKind, Channel, Direction
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
NOTE_MAX_LENGTH = 10_000


class CustomerError(ValueError):
    """A change to a customer that cannot be made; the message is meant for the user."""


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
        raise CustomerError(
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
        summary=_("Customer created") + (f" ({source})" if source else ""),
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
    labels = ", ".join(str(Customer._meta.get_field(name).verbose_name) for name in changed)
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        summary=_("Profile changed: %(fields)s") % {"fields": labels},
        actor=by,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=customer, customer_id=customer.pk, fields=changed
    )
    return customer


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CustomerError(_("The %(what)s is empty.") % {"what": what})
    if len(text) > NOTE_MAX_LENGTH:
        raise CustomerError(
            _("The %(what)s is longer than %(max)d characters.")
            % {"what": what, "max": NOTE_MAX_LENGTH}
        )
    return text


@transaction.atomic
def add_note(customer: Customer, *, by: Any, text: str) -> Activity:
    """Add an internal note to the customer's timeline."""
    text = _clean_text(text, what=_("note"))
    first_line = text.splitlines()[0]
    activity = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        summary=first_line,
        body=text if text != first_line else "",
        actor=by,
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=activity, customer_id=customer.pk, detail="note")
    return activity


@transaction.atomic
def log_call(
    customer: Customer,
    *,
    by: Any,
    direction: Direction,
    summary: str,
    notes: str = "",
    duration_minutes: int | None = None,
    occurred_at: datetime | None = None,
) -> Activity:
    """Log a phone call with the customer (inbound or outbound) in the timeline."""
    summary = _clean_text(summary, what=_("call summary"))
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise CustomerError(_("A call is either inbound or outbound."))
    if duration_minutes is not None and not 0 <= duration_minutes <= 24 * 60:
        raise CustomerError(_("The call duration must be between 0 and 1440 minutes."))
    if occurred_at is not None and occurred_at > timezone.now() + timedelta(minutes=5):
        raise CustomerError(_("A call cannot be logged in the future."))
    activity = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CALL,
        channel=Channel.PHONE,
        direction=direction,
        summary=summary[:300],
        body=notes.strip()[:NOTE_MAX_LENGTH],
        occurred_at=occurred_at,
        duration_seconds=duration_minutes * 60 if duration_minutes is not None else None,
        actor=by,
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=activity, customer_id=customer.pk, detail="call")
    return activity


@transaction.atomic
def record_consent(
    customer: Customer,
    *,
    channel: ConsentChannel,
    purpose: ConsentPurpose,
    granted: bool,
    source: ConsentSource,
    given_at: datetime | None = None,
    source_detail: str = "",
    by: Any | None = None,
) -> ConsentEvent:
    """Append a grant or withdrawal of consent to the customer's consent ledger."""
    event = ConsentEvent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        source_detail=source_detail[:200],
        given_at=given_at or timezone.now(),
    )
    verb = _("granted") if granted else _("withdrawn")
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CONSENT_CHANGED,
        summary=f"{ConsentPurpose(purpose).label} ({ConsentChannel(channel).label}): {verb}",
        occurred_at=event.given_at,
        actor=by,
        actor_label=source_detail or ConsentSource(source).label,
        subject=event,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=event, customer_id=customer.pk, fields=["consent"]
    )
    return event


def record_customer_view(customer: Customer, *, by: Any, ip_address: str | None = None) -> None:
    """Note in the audit log that a staff member opened this customer's data."""
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=customer,
        customer_id=customer.pk,
        ip_address=ip_address,
    )


# --- Data from the shop systems (webhooks, API backfill) ----------------------------------------

# Profile fields a shop may fill in; the e-mail is identity and changes only through staff.
SHOP_PROFILE_FIELDS = frozenset({"first_name", "last_name", "phone", "company"})
DIRECT_SOURCES = (ConsentSource.CUSTOMER, ConsentSource.STAFF)


@transaction.atomic
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

    The ledger keeps changes, so a report equal to the current state adds nothing (this also
    makes redelivered webhooks harmless). A grant from the shop never overrides an opt-out the
    customer gave us directly (or staff recorded on their word) unless the shop's grant is
    newer; a grant without a time of its own is never newer.
    """
    events = ConsentEvent.objects.filter(customer=customer, channel=channel, purpose=purpose)
    current = events.order_by("-given_at", "-id").first()
    if (current.granted if current else False) == granted:
        return None
    if granted:
        direct_opt_out = (
            events.filter(source__in=DIRECT_SOURCES).order_by("-given_at", "-id").first()
        )
        newer_opt_out = (
            direct_opt_out is not None
            and not direct_opt_out.granted
            and (given_at is None or given_at <= direct_opt_out.given_at)
        )
        if newer_opt_out:
            return None
    return record_consent(
        customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=ConsentSource.SHOP,
        given_at=given_at,
        source_detail=source_detail,
    )


def _staff_edited_fields(customer: Customer, since: datetime | None) -> set[str]:
    """Profile fields staff changed (after ``since``, or ever when it is None)."""
    from stammkunde.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(
        customer_id=customer.pk,
        action=AuditAction.CHANGE,
        object_type=Customer._meta.label_lower,
        actor__isnull=False,
    )
    if since is not None:
        entries = entries.filter(at__gt=since)
    return {name for fields in entries.values_list("fields", flat=True) for name in fields or ()}


def _add_first_address(customer: Customer, address: dict[str, str] | None) -> bool:
    """Keep the shop's address when we hold none for the customer (never replace one)."""
    from stammkunde.customers.models import Address, AddressKind

    if not address or not (address.get("street") or address.get("city")):
        return False
    if customer.addresses.exists():
        return False
    country = (address.get("country") or "").upper()
    Address.objects.create(
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
    return True


@transaction.atomic
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
    unknown = set(fields) - SHOP_PROFILE_FIELDS
    if unknown:
        raise TypeError(f"not taken from the shop: {sorted(unknown)}")
    wanted = {
        name: value[: Customer._meta.get_field(name).max_length]
        for name, value in fields.items()
        if value and getattr(customer, name) != value
    }
    protected = _staff_edited_fields(customer, changed_at) if wanted else set()
    changed = [name for name in wanted if name not in protected]
    for name in changed:
        setattr(customer, name, wanted[name])
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])
    labels = [str(Customer._meta.get_field(name).verbose_name) for name in changed]
    if _add_first_address(customer, address):
        changed.append("address")
        labels.append(str(_("address")))
    if not changed:
        return []
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        summary=_("Profile changed: %(fields)s") % {"fields": ", ".join(labels)},
        occurred_at=changed_at,
        actor_label=source_label,
    )
    audit(
        actor=None,
        action=AuditAction.CHANGE,
        obj=customer,
        customer_id=customer.pk,
        fields=changed,
        detail=source_label,
    )
    return changed
