"""Customers behind inbound messages: a known address finds its customer (merges followed); an
unknown sender becomes a new customer marked unverified, since anyone can write any From."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core import group_savepoint
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import find_by_email
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

# The token the timeline shows as the customer's source (timeline/vocabulary.py SOURCES).
SOURCE_INBOUND_MAIL = "inbound_mail"


def customer_for_sender(
    *, email: str, name: str = "", source: str = SOURCE_INBOUND_MAIL, by: Any = None
) -> tuple[Customer, bool]:
    """The customer who wrote from ``email``, created unverified when nobody has it; returns
    ``(customer, created)``. Without an address a new unverified customer is created for the
    message (staff merge it with the right one)."""
    normalized = normalize_email(email)
    if normalized:
        known = find_by_email(normalized)
        if known is not None:
            return known, False
    return new_sender_customer(email=normalized, name=name, source=source, by=by)


def new_sender_customer(
    *, email: str, name: str = "", source: str = SOURCE_INBOUND_MAIL, by: Any = None
) -> tuple[Customer, bool]:
    """``customer_for_sender`` for an address the caller found nobody has (intake looks up a
    group's senders at once, ``queries.find_by_emails``): created unverified, unless a
    parallel message created it a moment ago."""
    normalized = normalize_email(email)
    first_name, last_name = _split_name(name)
    try:
        with group_savepoint.atomic():
            customer = Customer(
                email=normalized or None,
                first_name=first_name[:100],
                last_name=last_name[:100],
                verified=False,
            )
            customer.save()
            record_activity(
                customer_id=customer.pk,
                kind=ActivityKind.CUSTOMER_CREATED,
                params={"source": source},
                actor=by,
                actor_label=source,
            )
            audit(
                actor=by,
                action=AuditAction.CREATE,
                obj=customer,
                customer_id=customer.pk,
                detail=source,
            )
    except IntegrityError:
        if group_savepoint.covered():
            raise  # the group is rolled back and this mail worked again alone
        # The same address arrived in a parallel message a moment ago.
        known = find_by_email(normalized)
        if known is None:
            raise
        return known, False
    return customer, True


def _split_name(name: str) -> tuple[str, str]:
    """First and last name from a display name ("Anna Schmidt", "Schmidt, Anna")."""
    name = " ".join(name.replace('"', "").split())
    if not name or "@" in name:
        return "", ""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    return (first, last) if first else ("", last)
