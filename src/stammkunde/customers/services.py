"""Every change to customers: each function runs in one transaction and writes the timeline
entry and the audit entry for what it did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.core.keys import normalize_email
from stammkunde.customers.events import consent_changed
from stammkunde.customers.models import (
    Address,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Customer,
    CustomerStatus,
    Tag,
)

# Data from the shop systems (webhooks, API backfill) lives in ``customers.shop_data``; these
# names stay importable from here, where callers look for the writes of customers.
from stammkunde.customers.shop_data import (
    SHOP_PROFILE_FIELDS,
    consent_params,
    record_shop_consent,
    update_customer_from_shop,
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


class CustomerConflict(CustomerError):
    """The change clashes with the state of the data (an e-mail another customer has, an
    erased customer), not with the values themselves."""


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
    """Add an internal note to the customer's timeline.

    ``by`` is the staff user, or an object whose ``str()`` names the integration that wrote it.
    """
    text = _clean_text(text, what=_("note"))
    first_line = text.splitlines()[0]
    staff = getattr(by, "is_authenticated", False)
    activity = record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.NOTE,
        params={"text": first_line},
        body=text if text != first_line else "",
        actor=by,
        actor_label="" if staff or by is None else str(by)[:150],
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
        params={"text": summary},
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
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CONSENT_CHANGED,
        params=consent_params(event),
        occurred_at=event.given_at,
        actor=by,
        actor_label=source_detail or f"consent_source:{ConsentSource(source).value}",
        subject=event,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=event, customer_id=customer.pk, fields=["consent"]
    )
    publish(consent_changed(event))
    return event


# How a customer may tell staff about consent: on the phone, or otherwise (letter, in person).
STAFF_CONSENT_SOURCES = (ConsentSource.PHONE, ConsentSource.STAFF)
TAG_NAME_MAX_LENGTH = 64


def record_staff_consent(
    customer: Customer,
    *,
    by: Any,
    channel: str,
    purpose: str,
    granted: bool,
    source: str = ConsentSource.PHONE,
) -> ConsentEvent:
    """Record a grant or an opt-out a customer gave to a staff member (``by``), e.g. on the
    phone: the ledger entry names the source and the agent (``source_detail``); timeline entry,
    audit row and event as every consent change (``record_consent``)."""
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerConflict(_("This customer can no longer be changed."))
    if source not in STAFF_CONSENT_SOURCES:
        raise CustomerError(_("Choose how the customer told you."))
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values:
        raise CustomerError(_("Choose a channel and a purpose."))
    agent = (by.get_full_name() or by.get_username()) if by is not None else ""
    return record_consent(
        customer,
        channel=ConsentChannel(channel),
        purpose=ConsentPurpose(purpose),
        granted=granted,
        source=ConsentSource(source),
        source_detail=agent,
        by=by,
    )


def parse_tag_names(text: str) -> list[str]:
    """Comma-separated tag names as typed: trimmed, empty ones dropped, each name once."""
    names: list[str] = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name and name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names


@transaction.atomic
def set_customer_tags(
    customer: Customer, names: Sequence[str], *, by: Any, may_create: bool
) -> list[Tag]:
    """Give the customer exactly these tags (existing ones matched regardless of case); new
    names are created only when ``may_create`` (the customers.add_tag permission). Writes a
    timeline entry and an audit row when something changed."""
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerConflict(_("This customer can no longer be changed."))
    tags: list[Tag] = []
    for name in names:
        if len(name) > TAG_NAME_MAX_LENGTH:
            raise CustomerError(
                _("A tag has at most %(count)d characters.") % {"count": TAG_NAME_MAX_LENGTH}
            )
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            if not may_create:
                raise CustomerError(
                    _("There is no tag “%(name)s”; only team leads and marketing create tags.")
                    % {"name": name}
                )
            tag = Tag.objects.create(name=name)
        if tag not in tags:
            tags.append(tag)
    before = set(customer.tags.values_list("pk", flat=True))
    if before == {tag.pk for tag in tags}:
        return tags
    customer.tags.set(tags)
    record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.CUSTOMER_UPDATED,
        params={"fields": ["tags"]},
        actor=by,
    )
    audit(
        actor=by, action=AuditAction.CHANGE, obj=customer, customer_id=customer.pk, fields=["tags"]
    )
    return tags


ADDRESS_FIELDS = ("kind", "company", "name", "street", "street2", "postal_code", "city", "country")


@transaction.atomic
def save_address(
    customer: Customer, *, by: Any, address: Address | None = None, **fields: Any
) -> Address:
    """Add an address to the customer (``address`` None) or change one of theirs; a default
    address of a kind makes the kind's other addresses non-default. Timeline entry and audit
    row name the change; nothing is written when nothing changed."""
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerConflict(_("This customer can no longer be changed."))
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


def record_privacy_request(
    customer: Customer,
    *,
    request: str,
    shop_name: str,
    orders: Sequence[str] = (),
    occurred_at: datetime,
    actor_label: str,
    dedupe_key: str,
) -> Activity:
    """Note on the customer's timeline a data protection request a shop passed on (``request``:
    data_request, customer_redact or shop_redact, with the orders it names); once per
    ``dedupe_key``, so a redelivered request adds none."""
    params: dict[str, Any] = {"request": request, "shop": shop_name}
    if orders:
        params["orders"] = [str(number) for number in orders]
    return record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.PRIVACY_REQUEST,
        channel=Channel.SHOP,
        direction=Direction.INBOUND,
        params=params,
        occurred_at=occurred_at,
        actor_label=actor_label,
        dedupe_key=dedupe_key,
    )


def record_restriction_change(
    customer: Customer, *, restricted: bool, reason: str = "", by: Any
) -> Activity:
    """Note on the customer's timeline that processing was restricted (Art. 18 GDPR, with the
    reason) or that the restriction was lifted. Called by ``customers.privacy`` inside its
    transaction."""
    params: dict[str, Any] = {"state": "set" if restricted else "lifted"}
    if restricted and reason:
        params["reason"] = reason
    return record_activity(
        customer_id=customer.pk,
        kind=ActivityKind.PROCESSING_RESTRICTED,
        channel=Channel.INTERNAL,
        direction=Direction.INTERNAL,
        params=params,
        occurred_at=timezone.now(),
        actor=by,
    )


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


__all__ = [
    "SHOP_PROFILE_FIELDS",
    "CustomerConflict",
    "CustomerError",
    "add_note",
    "create_customer",
    "log_call",
    "record_consent",
    "record_customer_view",
    "record_privacy_request",
    "record_restriction_change",
    "record_shop_consent",
    "record_staff_consent",
    "save_address",
    "set_customer_tags",
    "update_customer",
    "update_customer_from_shop",
]
