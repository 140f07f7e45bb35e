"""Restriction of processing by staff (Art. 18 GDPR) and its end; and the one rule whether a
customer's processing is restricted (erased, or restricted by staff)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import (
    Customer,
    CustomerStatus,
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from stammkunde.customers.privacy.requests import PrivacyError, new_request, subject_id
from stammkunde.customers.services.privacy_records import record_restriction_change


def is_processing_restricted(customer: Customer) -> bool:
    """Whether the customer may be processed only as the law requires (erased, or restricted
    by staff under Art. 18): no marketing, no scoring, no segments or exports."""
    return customer.status == CustomerStatus.ERASED or customer.processing_restricted_at is not None


MAX_RESTRICTION_REASON = 300


class RestrictionRefused(PrivacyError):
    """A restriction without a reason, or of a customer that is not active."""


def restrict_processing(customer_id: int, *, by: Any, reason: str) -> Customer:
    """Restrict the processing of a customer's data (Art. 18 GDPR: the customer contests its
    accuracy, objected, or needs it kept for a legal claim): the data stays, but messaging
    holds every non-transactional message with ``reason``, scoring drops their scores and
    segments and exports leave them out, until ``lift_restriction``. Audited."""
    # Outside the transaction: a refusal (another shop's customer) keeps its REFUSE row.
    pk = subject_id(customer_id, by=by)
    reason = " ".join(reason.split())[:MAX_RESTRICTION_REASON]
    if not reason:
        raise RestrictionRefused("Give the reason for the restriction.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pk)
        if customer.status != CustomerStatus.ACTIVE:
            raise RestrictionRefused("Only an active customer can be restricted.")
        customer.processing_restricted_at = customer.processing_restricted_at or timezone.now()
        customer.processing_restriction_reason = reason
        customer.save(update_fields=["processing_restricted_at", "processing_restriction_reason"])
        audit(
            actor=by,
            action=AuditAction.CHANGE,
            obj=customer,
            customer_id=customer.pk,
            fields=["processing_restricted_at", "processing_restriction_reason"],
            detail="processing restricted (Art. 18 GDPR)",
        )
        _record_restriction(customer, restricted=True, reason=reason, by=by)
    return customer


def _record_restriction(customer: Customer, *, restricted: bool, reason: str, by: Any) -> None:
    """The privacy request (kind restriction, done at once) and the timeline entry of setting
    or lifting a restriction, in the caller's transaction."""
    now = timezone.now()
    new_request(
        PrivacyRequestKind.RESTRICTION,
        customer.pk,
        by=by,
        channel=PrivacyRequestChannel.STAFF,
        state=PrivacyRequestState.DONE,
        summary={"action": "restricted" if restricted else "lifted"},
        decided_at=now,
        finished_at=now,
    )
    record_restriction_change(customer, restricted=restricted, reason=reason, by=by)


def lift_restriction(customer_id: int, *, by: Any) -> Customer:
    """End a restriction of processing set by ``restrict_processing`` (the reason is gone, or
    the customer agreed); the customer is processed as before. Audited; lifting a customer
    that is not restricted changes nothing and writes nothing."""
    pk = subject_id(customer_id, by=by)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pk)
        if customer.processing_restricted_at is None:
            return customer
        customer.processing_restricted_at = None
        customer.processing_restriction_reason = ""
        customer.save(update_fields=["processing_restricted_at", "processing_restriction_reason"])
        audit(
            actor=by,
            action=AuditAction.CHANGE,
            obj=customer,
            customer_id=customer.pk,
            fields=["processing_restricted_at", "processing_restriction_reason"],
            detail="restriction of processing lifted",
        )
        _record_restriction(customer, restricted=False, reason="", by=by)
    return customer
