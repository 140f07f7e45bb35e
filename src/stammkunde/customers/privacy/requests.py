"""The record of every privacy request (``PrivacyRequest``) and whose data a request may be
about: the subject must exist (after merges), be visible to the staff member, and, for staff
limited to shops, belong to none but their shops."""

from __future__ import annotations

from typing import Any

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.scoping import shop_limit, shops_of_customer
from stammkunde.customers.matching import resolve_merged
from stammkunde.customers.models import Customer, PrivacyRequest
from stammkunde.customers.queries import may_see_customer


class PrivacyError(ValueError):
    """A privacy request that cannot be taken (no such customer)."""


def _actor_label(by: Any) -> str:
    if getattr(by, "is_authenticated", False):
        return by.get_username()
    return str(by) if by else "system"


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def new_request(
    kind: str, customer_id: int, *, by: Any, channel: str, reference: str = "", **fields: Any
) -> PrivacyRequest:
    """The record of a privacy request with who asked (the user, or a label for the system and
    the API), its reference cut to the column; ``fields`` give its state and dates."""
    return PrivacyRequest.objects.create(
        kind=kind,
        customer_id=customer_id,
        channel=channel,
        reference=reference[:200],
        requested_by=_user(by),
        requested_by_label=_actor_label(by)[:150],
        **fields,
    )


def subject_id(customer_id: int, *, by: Any = None) -> int:
    """The id of the customer a privacy request is about (the survivor of merges); raises
    ``PrivacyError`` when there is none or ``by`` may not ask about them."""
    surviving = resolve_merged(customer_id)
    if not Customer.objects.filter(pk=surviving).exists():
        raise PrivacyError(f"There is no customer with id {customer_id}.")
    # Staff limited to shops: another shop's customer does not exist for them (REFUSE row).
    if by is not None and not may_see_customer(surviving, by=by, detail="privacy"):
        raise PrivacyError(f"There is no customer with id {customer_id}.")
    # The export and the erasure are of the whole person, across shops: staff limited to shops
    # run them only for customers of none but their shops, else another shop's orders and
    # timeline would go out, or be erased, by someone who may not see them (REFUSE row).
    limit = shop_limit(by)
    if limit is not None and not shops_of_customer(surviving) <= limit:
        audit(
            actor=by,
            action=AuditAction.REFUSE,
            object_type="customers.customer",
            object_id=surviving,
            detail="privacy: the customer belongs to shops outside the staff member's",
        )
        raise PrivacyError(
            f"Customer {customer_id} belongs to other shops too: staff of all shops answer."
        )
    return surviving
