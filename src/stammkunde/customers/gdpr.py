"""The customers app's part of a GDPR export and erasure: profile, addresses, tags, the consent
ledger (with its proof), merges and the privacy requests themselves.

Erasure pseudonymizes the customer row instead of deleting it: the consent ledger (the proof of
what the customer agreed to and withdrew) and the orders kept for the retention period point at
it, and statistics keep counting it. Customers merged into this one are the same person and are
pseudonymized with it.
"""

from __future__ import annotations

from typing import Any

from stammkunde.core.gdpr import ErasureRequest
from stammkunde.customers.models import (
    Address,
    ConsentEvent,
    ConsentRequest,
    Customer,
    CustomerMerge,
    CustomerStatus,
    DismissedDuplicate,
    PrivacyRequest,
)

PROFILE_FIELDS = (
    "email",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "company",
    "vat_id",
    "phone",
    "birthday",
    "language",
    "form_of_address",
    "preferences",
    "status",
    "created_at",
    "updated_at",
)
# Emptied on erasure (the e-mail becomes NULL: it is unique where present).
ERASED_VALUES: dict[str, Any] = {
    "email": None,
    "salutation": "",
    "title": "",
    "first_name": "",
    "last_name": "",
    "company": "",
    "vat_id": "",
    "phone": "",
    "birthday": None,
    "preferences": {},
}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_customer(customer_id: int) -> dict[str, Any]:
    """Profile, addresses, tags, every consent event with its source, merges, requests."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return {}
    merged_ids = list(
        Customer.objects.filter(merged_into_id=customer_id).values_list("id", flat=True)
    )
    return {
        "profile": {"id": customer.pk, **{f: _plain(getattr(customer, f)) for f in PROFILE_FIELDS}},
        "addresses": [
            {
                "kind": address.kind,
                "company": address.company,
                "name": address.name,
                "street": address.street,
                "street2": address.street2,
                "postal_code": address.postal_code,
                "city": address.city,
                "country": address.country,
                "is_default": address.is_default,
            }
            for address in customer.addresses.all()
        ],
        "tags": [tag.name for tag in customer.tags.all()],
        "consents": [
            {
                "channel": event.channel,
                "purpose": event.purpose,
                "granted": event.granted,
                "source": event.source,
                "proof": event.source_detail,
                "given_at": event.given_at.isoformat(),
                "recorded_at": event.recorded_at.isoformat(),
            }
            for event in ConsentEvent.objects.filter(customer_id=customer_id).order_by(
                "given_at", "id"
            )
        ],
        # Double opt-ins with their proof (kept on erasure: the proof of consent).
        "consent_requests": [
            {
                "channel": request.channel,
                "purpose": request.purpose,
                "wording_version": request.wording_version,
                "wording": request.wording_text,
                "asked_through": request.source,
                "requested_at": request.requested_at.isoformat(),
                "request_ip": request.request_ip,
                "request_user_agent": request.request_user_agent,
                "confirmed_at": _plain(request.confirmed_at),
                "confirm_ip": request.confirm_ip,
                "confirm_user_agent": request.confirm_user_agent,
            }
            for request in ConsentRequest.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "merged_customers": [
            {
                "id": merge.merged_customer_id,
                "email": merge.merged_email,
                "name": merge.merged_name,
                "merged_at": merge.merged_at.isoformat(),
            }
            for merge in CustomerMerge.objects.filter(survivor_id=customer_id).order_by("id")
        ],
        "merged_customer_ids": merged_ids,
        "privacy_requests": [
            {
                "kind": request.kind,
                "channel": request.channel,
                "requested_at": request.requested_at.isoformat(),
                "state": request.state,
                "restricted_until": _plain(request.restricted_until),
            }
            for request in PrivacyRequest.objects.filter(customer_id=customer_id).order_by("id")
        ],
    }


def erase_customer_records(request: ErasureRequest) -> dict[str, int]:
    """Pseudonymize the customer (and those merged into them), delete addresses, tags and
    duplicate decisions; keep the consent ledger as proof. A shop's part alone
    (``request.shop_id``) leaves the person as they are: the profile is no shop's own."""
    if request.shop_id is not None:
        return {}
    ids = [request.customer_id, *_merged_into(request.customer_id)]
    pseudonymized = 0
    for customer in Customer.objects.filter(pk__in=ids):
        for field, value in ERASED_VALUES.items():
            setattr(customer, field, value)
        if customer.status != CustomerStatus.MERGED:
            customer.status = CustomerStatus.ERASED
        customer.save(update_fields=[*ERASED_VALUES, "status", "updated_at"])
        customer.tags.clear()
        pseudonymized += 1
    addresses, _ = Address.objects.filter(customer_id__in=ids).delete()
    dismissed, _ = DismissedDuplicate.objects.filter(first_id__in=ids).delete()
    dismissed_too, _ = DismissedDuplicate.objects.filter(second_id__in=ids).delete()
    merges = CustomerMerge.objects.filter(survivor_id__in=ids).update(
        merged_email=None, merged_name=""
    )
    return {
        "pseudonymized": pseudonymized,
        "addresses_deleted": addresses,
        "duplicate_decisions_deleted": dismissed + dismissed_too,
        "merge_records_pseudonymized": merges,
        "consent_events_kept": ConsentEvent.objects.filter(customer_id__in=ids).count(),
    }


def _merged_into(customer_id: int) -> list[int]:
    """Every customer merged (directly or through others) into this one."""
    found: list[int] = []
    frontier = [customer_id]
    while frontier:
        children = list(
            Customer.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=[customer_id, *found])
            .values_list("id", flat=True)
        )
        found.extend(children)
        frontier = children
    return found
