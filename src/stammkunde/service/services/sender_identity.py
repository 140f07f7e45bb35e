"""An unverified sender who quotes another customer's order: staff decide whether the mail
belongs to that customer (the case moves there and the order is linked) or whether the two are
one person (then they merge the customers on the identity pages, ``customers.merging``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Customer
from stammkunde.service.models import ACTIVE_STATUSES, Case, CaseType
from stammkunde.service.services import outside
from stammkunde.service.services.case_common import refuse_if_restricted
from stammkunde.service.services.cases import CaseError
from stammkunde.shop.models import Order
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity


@transaction.atomic
def move_case_to_order_customer(case: Case, order: Order, *, by: Any) -> Case:
    """Staff confirmed that ``case``'s unverified sender writes about ``order`` of another
    customer: the case (thread and all) moves to the order's customer and the order is linked.
    The sender's customer record stays as it is (a relative, a colleague may have written);
    both timelines and the audit log say what happened."""
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    refuse_if_restricted(case)
    sender = case.customer
    if sender.verified:
        raise CaseError(_("Only a case of an unverified sender can be moved to another customer."))
    if order.customer_id is None or order.customer_id == sender.pk:
        raise CaseError(_("The order belongs to no other customer."))
    owner = Customer.objects.get(pk=order.customer_id)
    active = case.status in ACTIVE_STATUSES
    complaint = case.case_type == CaseType.COMPLAINT
    if active:
        # The contact holds follow the case to the customer it is about.
        outside.release_holds(
            customer_id=sender.pk, reference=case.reference, complaint=complaint, by=by
        )
    case.customer = owner
    case.save(update_fields=["customer", "updated_at"])
    case.orders.add(order)
    if active:
        outside.set_holds(
            customer_id=owner.pk, reference=case.reference, complaint=complaint, by=by
        )
    moved = {"case": case.reference, "order": order.number}
    for customer, params in (
        (sender, {**moved, "side": "to", "name": owner.display_name}),
        (owner, {**moved, "side": "from", "email": sender.email or sender.display_name}),
    ):
        record_activity(
            customer_id=customer.pk,
            kind=ActivityKind.CASE_MOVED,
            params=params,
            actor=by,
            subject=case,
        )
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_ids=[sender.pk, owner.pk],
        fields=["customer", "orders"],
        detail=(
            f"{case.reference}: from unverified customer {sender.pk} to {owner.pk}"
            f" (order {order.number})"
        ),
    )
    return case
