"""Crisis plans (written by team leads) and incidents: the affected orders chosen once, one
personal service message per customer through messaging's outbox.

An incident has no shop (a carrier's strike hits every shop that ships with it). Staff limited
to shops (``shop/visibility.py``) act on their shops' part of it: they add only their shops'
orders (another shop's order number is answered as unknown) and message only the customers of
their shops' affected orders; the rest stays for staff of the other shops."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.messaging.rendering import TemplateError, TemplateKind, render, validate_template
from stammkunde.service.models import (
    AffectedOrder,
    CrisisPlan,
    CrisisStep,
    DeskRole,
    Incident,
    IncidentStatus,
    IncidentType,
)
from stammkunde.service.reply_context import reply_context
from stammkunde.shop.models import Order
from stammkunde.shop.visibility import limit_orders, staff_shop_ids

STEP_MAX = 500
MAX_STEPS = 30
MAX_ORDERS_AT_ONCE = 5000
NUMBER_SEPARATORS = re.compile(r"[\s,;]+")


# An affected order kept after an erasure: the outcome shown on the incident's page.
RESTRICTED_OUTCOME = "restricted"


class CrisisError(ValueError):
    """A plan or incident change that cannot be made; the message is for the user."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _lead(by: Any, permission: str = "service.manage_desk_policies") -> None:
    if not by.has_perm(permission):
        raise CrisisError(_("Only a team lead changes crisis plans and incidents."))


@transaction.atomic
def save_crisis_plan(
    plan: CrisisPlan,
    *,
    name: str,
    steps: list[str],
    suggested_goodwill_kind: str,
    suggested_goodwill_amount: Decimal | None,
    deadline_hours: int,
    responsible_role: str,
    is_active: bool,
    by: Any,
) -> CrisisPlan:
    """Change a plan and replace its steps (in the given order)."""
    _lead(by)
    name = " ".join((name or "").split())[:200]
    steps = [" ".join(step.split())[:STEP_MAX] for step in steps if step and step.strip()]
    if not name or not steps:
        raise CrisisError(_("A crisis plan needs a name and at least one step."))
    if len(steps) > MAX_STEPS:
        raise CrisisError(_("A crisis plan has at most %(count)d steps.") % {"count": MAX_STEPS})
    plan.name = name
    plan.suggested_goodwill_kind = suggested_goodwill_kind or ""
    plan.suggested_goodwill_amount = suggested_goodwill_amount
    plan.deadline_hours = deadline_hours
    plan.responsible_role = DeskRole(responsible_role)
    plan.is_active = is_active
    plan.updated_by = by
    plan.save()
    plan.steps.all().delete()
    CrisisStep.objects.bulk_create(
        CrisisStep(plan=plan, position=index, text=text) for index, text in enumerate(steps, 1)
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=plan)
    return plan


@transaction.atomic
def open_incident(*, title: str, incident_type: str, description: str, by: Any) -> Incident:
    _lead(by, "service.manage_incidents")
    title = " ".join((title or "").split())[:200]
    if not title:
        raise CrisisError(_("An incident needs a title."))
    incident = Incident.objects.create(
        title=title,
        incident_type=IncidentType(incident_type),
        description=(description or "").strip(),
        created_by=by,
    )
    audit(actor=by, action=AuditAction.CREATE, obj=incident)
    return incident


def order_numbers(text: str) -> list[str]:
    """The order numbers in a pasted list (spaces, commas, semicolons or lines between)."""
    seen: dict[str, None] = {}
    for number in NUMBER_SEPARATORS.split(text or ""):
        number = number.strip().lstrip("#")
        if number:
            seen.setdefault(number[:64])
    return list(seen)


@transaction.atomic
def add_affected_orders(
    incident: Incident, *, numbers: list[str], by: Any
) -> tuple[int, list[str]]:
    """Attach the orders with these numbers; returns how many were added and the unknown ones."""
    _lead(by, "service.manage_incidents")
    if len(numbers) > MAX_ORDERS_AT_ONCE:
        raise CrisisError(_("At most %(count)d orders at once.") % {"count": MAX_ORDERS_AT_ONCE})
    orders = list(
        limit_orders(Order.objects.filter(number__in=numbers), staff_shop_ids(by)).only(
            "id", "number", "customer_id"
        )
    )
    found = {order.number for order in orders}
    already = set(incident.affected.values_list("order_id", flat=True))
    new = [
        AffectedOrder(incident=incident, order=order, customer_id=order.customer_id)
        for order in orders
        if order.pk not in already
    ]
    AffectedOrder.objects.bulk_create(new)
    audit(actor=by, action=AuditAction.CHANGE, obj=incident, detail=f"{len(new)} orders added")
    return len(new), [number for number in numbers if number not in found]


def message_problems(subject: str, body: str) -> list[str]:
    problems = validate_template(subject, kind=TemplateKind.SUBJECT)
    problems += validate_template(body, kind=TemplateKind.TEXT)
    return [problem.message for problem in problems]


def _recipient_key(affected: AffectedOrder) -> str:
    """Whom a message about ``affected`` goes to: its customer, else the order's address."""
    if affected.customer_id is not None:
        return f"customer:{affected.customer_id}"
    return f"address:{(affected.order.email or '').strip().lower()}"


def notify_affected(incident: Incident, *, subject: str, body: str, by: Any) -> dict[str, int]:
    """Send each affected customer one personal message (a service message: transactional,
    no consent needed; the governor still records its decision). A customer with several
    affected orders gets one message naming them all (``order.number`` lists the numbers),
    not one per order. Customers notified before are skipped, so pressing the button twice
    sends nothing twice, and an order added later for a customer already told is marked as
    told.

    Each message is its own transaction: one failure leaves the others queued. Staff
    limited to shops message the customers of their shops' orders only.
    """
    from stammkunde.messaging.services.outbox import queue_message

    _lead(by, "service.manage_incidents")
    problems = message_problems(subject, body)
    if problems:
        raise CrisisError(_("The message cannot be used as it is."), problems)
    Incident.objects.filter(pk=incident.pk).update(message_subject=subject, message_body=body)
    counts = {"queued": 0, "held": 0, "failed": 0}
    shop_ids = staff_shop_ids(by)
    told: dict[str, Any] = {}
    for affected in incident.affected.filter(notified_at__isnull=False).select_related("order"):
        told.setdefault(_recipient_key(affected), affected.notified_at)
    pending = incident.affected.filter(notified_at__isnull=True)
    if shop_ids is not None:
        pending = pending.filter(order__shop_id__in=shop_ids)
    pending = pending.select_related("order", "customer").order_by("id")
    groups: dict[str, list[AffectedOrder]] = {}
    for affected in pending:
        groups.setdefault(_recipient_key(affected), []).append(affected)
    for key, group in groups.items():
        if key in told:
            AffectedOrder.objects.filter(pk__in=[affected.pk for affected in group]).update(
                notified_at=told[key], notify_outcome=""
            )
            continue
        first = group[0]
        customer = first.customer
        if any(
            affected.order.detached_from_id is not None
            or (affected.customer is not None and affected.customer.status == "erased")
            for affected in group
        ):
            # Kept after an erasure, processing restricted (Art. 18 GDPR): nobody is told.
            AffectedOrder.objects.filter(pk__in=[affected.pk for affected in group]).update(
                notify_outcome=RESTRICTED_OUTCOME
            )
            counts["held"] += 1
            continue
        address = (customer.email if customer else "") or first.order.email
        try:
            context = reply_context(customer, order=first.order, sender=by)
            if len(group) > 1:
                context["order"]["number"] = ", ".join(a.order.number for a in group)
            with transaction.atomic():
                queued = queue_message(
                    customer=customer,
                    to_address=address or "",
                    purpose="transactional",
                    idempotency_key=f"incident:{incident.pk}:{key}",
                    subject=render(subject, context, kind=TemplateKind.SUBJECT),
                    text=render(body, context, kind=TemplateKind.TEXT),
                    from_name=settings.MESSAGING_FROM_NAME or by.get_full_name(),
                    from_address=settings.DEFAULT_FROM_EMAIL,
                    source_type="incident",
                    source_id=incident.pk,
                    order_id=first.order_id,
                    by=by,
                )
                ids = [affected.pk for affected in group]
                if queued.message is not None:
                    AffectedOrder.objects.filter(pk__in=ids).update(
                        notified_at=timezone.now(), notify_outcome=""
                    )
                    counts["queued"] += 1
                else:
                    AffectedOrder.objects.filter(pk__in=ids).update(
                        notify_outcome=str(queued.decision.rule)[:200]
                    )
                    counts["held"] += 1
        except (TemplateError, ValueError) as error:
            AffectedOrder.objects.filter(pk__in=[affected.pk for affected in group]).update(
                notify_outcome=str(error)[:200]
            )
            counts["failed"] += 1
    audit(actor=by, action=AuditAction.CHANGE, obj=incident, detail=f"notified {counts}")
    return counts


@transaction.atomic
def close_incident(incident: Incident, *, by: Any) -> Incident:
    _lead(by, "service.manage_incidents")
    incident.status = IncidentStatus.CLOSED
    incident.save(update_fields=["status"])
    audit(actor=by, action=AuditAction.CHANGE, obj=incident, fields=["status"])
    return incident
