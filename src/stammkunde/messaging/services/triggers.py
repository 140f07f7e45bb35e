"""The Drehbuch at work: switching triggers on and off, scheduling a run per event and
customer, and firing due runs through the outbox (``queue_message``).

A run is keyed on trigger + event + customer, so an event delivered twice schedules one run,
and the outbox is asked with the same key, so a run fired twice queues one message. Runs are
fired by a job every minute; one that comes due more than ``LATEST`` late (a worker that was
down for days) is skipped rather than sending "your parcel is on its way" a week late.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.messaging.mail_data import Sender, mail_data
from stammkunde.messaging.models import RunState, Trigger, TriggerRun
from stammkunde.messaging.rendering import TemplateError, render_message
from stammkunde.messaging.salutation import message_language
from stammkunde.messaging.services.templates import check_parts
from stammkunde.messaging.trigger_conditions import (
    Facts,
    parse_conditions,
    unmet_condition,
)
from stammkunde.messaging.trigger_events import MOMENTS, TriggerEvent, events_listening_to
from stammkunde.shop.models import Order

logger = logging.getLogger(__name__)

LATEST = timedelta(days=2)
BATCH = 200
# Reasons a run was skipped or failed, stored as tokens and named when shown.
NO_CUSTOMER = "no_customer"
NO_TEMPLATE = "no_template"
TOO_LATE = "too_late"
SWITCHED_OFF = "switched_off"
RENDER_FAILED = "render_failed"
MISSING_ORDER = "missing_order"


class TriggerError(ValueError):
    """A trigger that cannot be saved or switched on; ``findings`` are the personal check's."""

    def __init__(self, message: str, findings: tuple = ()) -> None:
        super().__init__(message)
        self.findings = findings


def sender_of(trigger: Trigger) -> Sender:
    reply_to = trigger.reply_to or getattr(settings, "MESSAGING_REPLY_TO", "") or ""
    return Sender(trigger.sender_name, trigger.sender_address, trigger.sender_role, reply_to)


def blocking_findings(trigger: Trigger) -> list[tuple[str, Any]]:
    """(language, finding) for each blocking finding of the trigger's mails."""
    has_order = MOMENTS[TriggerEvent(trigger.event)].has_order
    found = []
    for language, template in (("de", trigger.template_de), ("en", trigger.template_en)):
        if template is None:
            continue
        try:
            check = check_parts(
                subject=template.subject,
                text_body=template.text_body,
                html_body=template.html_body,
                sender=sender_of(trigger),
                has_order=has_order,
            )
        except TemplateError as error:
            found.append((language, error.problem))
            continue
        found.extend((language, finding) for finding in check.blocking)
    return found


@transaction.atomic
def save_trigger(trigger: Trigger | None, *, by: Any, **values: Any) -> Trigger:
    """Create or change a trigger (name, event, delay, conditions, purpose, templates, sender).

    A switched-on trigger stays on only if its mails still read as personal.
    """
    values["conditions"] = parse_conditions(values.get("conditions"))
    created = trigger is None
    trigger = trigger or Trigger()
    for field, value in values.items():
        setattr(trigger, field, value)
    if not trigger.template_de_id and not trigger.template_en_id:
        raise TriggerError(_("A trigger needs a mail in at least one language."))
    if trigger.is_active:
        findings = blocking_findings(trigger)
        if findings:
            raise TriggerError(_("The mail does not read as personal."), tuple(findings))
    trigger.updated_by = by if getattr(by, "is_authenticated", False) else None
    trigger.save()
    action = AuditAction.CREATE if created else AuditAction.CHANGE
    audit(actor=by, action=action, obj=trigger, fields=sorted(values))
    return trigger


@transaction.atomic
def switch_trigger(trigger: Trigger, *, on: bool, by: Any) -> Trigger:
    """Switch a trigger on (only if each of its mails reads as personal) or off."""
    if on:
        if not trigger.template_de_id and not trigger.template_en_id:
            raise TriggerError(_("A trigger needs a mail in at least one language."))
        findings = blocking_findings(trigger)
        if findings:
            raise TriggerError(_("The mail does not read as personal."), tuple(findings))
    if trigger.is_active != on:
        trigger.is_active = on
        trigger.updated_by = by if getattr(by, "is_authenticated", False) else None
        trigger.save(update_fields=["is_active", "updated_by", "updated_at"])
        audit(actor=by, action=AuditAction.CHANGE, obj=trigger, fields=["is_active"])
    return trigger


# --- scheduling runs from events ---------------------------------------------------------------


def _facts_of(event: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name in ("order_id", "shipment_id", "refund_id", "return_id", "withdrawal_id"):
        value = getattr(event, name, None)
        if value is not None:
            facts[name] = value
    if getattr(event, "reference", None) is not None:
        facts["case"] = {
            name: getattr(event, name, None)
            for name in ("case_id", "reference", "subject", "assignee_name", "assignee_email")
        }
    return facts


def run_key(trigger: Trigger, occasion: str, customer_id: int) -> str:
    return f"trigger:{trigger.pk}:{occasion}:customer:{customer_id}"


def schedule_runs(event: Any, event_name: str) -> list[TriggerRun]:
    """One waiting run per switched-on trigger of this event (none twice for the same event)."""
    customer_id = getattr(event, "customer_id", None)
    kinds = events_listening_to(event_name)
    if not kinds or customer_id is None:
        return []
    runs = []
    triggers = Trigger.objects.filter(is_active=True, event__in=[str(kind) for kind in kinds])
    for trigger in triggers:
        key = run_key(trigger, f"event:{event.event_id}", customer_id)
        run, _created = TriggerRun.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "trigger": trigger,
                "customer_id": customer_id,
                "event_id": event.event_id,
                "facts": _facts_of(event),
                "due_at": max(event.occurred_at, timezone.now() - LATEST) + trigger.delay,
            },
        )
        runs.append(run)
    if runs:
        transaction.on_commit(_enqueue_firing)
    return runs


def _enqueue_firing() -> None:
    from stammkunde.messaging.tasks import fire_trigger_runs

    try:
        fire_trigger_runs.enqueue()
    except Exception:  # the minute job picks the runs up anyway
        logger.warning("could not enqueue fire_trigger_runs", exc_info=True)


def schedule_birthdays(today: date | None = None) -> int:
    """A run for each customer whose birthday is today, per switched-on birthday trigger."""
    today = today or timezone.localdate()
    triggers = list(Trigger.objects.filter(is_active=True, event=TriggerEvent.BIRTHDAY))
    if not triggers:
        return 0
    customers = Customer.objects.filter(
        status=CustomerStatus.ACTIVE, birthday__month=today.month, birthday__day=today.day
    ).values_list("pk", flat=True)
    count = 0
    now = timezone.now()
    for customer_id in customers.iterator():
        for trigger in triggers:
            _run, created = TriggerRun.objects.get_or_create(
                idempotency_key=run_key(trigger, f"birthday:{today.isoformat()}", customer_id),
                defaults={"trigger": trigger, "customer_id": customer_id, "due_at": now},
            )
            count += created
    return count


def schedule_run(
    trigger: Trigger, *, customer_id: int, occasion: str, facts: dict[str, Any], due_at: datetime
) -> TriggerRun:
    """One run of ``trigger`` for a customer outside an event (keyed on ``occasion``): the
    demo's recent orders, a staff member's "send again"."""
    run, _created = TriggerRun.objects.get_or_create(
        idempotency_key=run_key(trigger, occasion, customer_id),
        defaults={
            "trigger": trigger,
            "customer_id": customer_id,
            "facts": facts,
            "due_at": due_at,
        },
    )
    return run


# --- firing due runs ----------------------------------------------------------------------------


def fire_due_runs(now: datetime | None = None, limit: int = BATCH) -> int:
    """Fire the runs that are due (oldest first); returns how many were handled."""
    now = now or timezone.now()
    due = list(
        TriggerRun.objects.filter(state=RunState.WAITING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for run_id in due:
        try:
            fire_run(run_id, now=now)
        except Exception as error:
            # One run's failure (a bug, a lost database race) is charged to that run alone.
            logger.exception("trigger run %s failed", run_id)
            with transaction.atomic():
                run = TriggerRun.objects.select_for_update().get(pk=run_id)
                if run.state == RunState.WAITING:
                    _finish(run, RunState.FAILED, f"error:{type(error).__name__}: {error}")
    return len(due)


def _finish(run: TriggerRun, state: RunState, reason: str = "", decision: Any = None) -> None:
    run.state = state
    run.reason = reason[:300]
    run.decision = decision
    run.done_at = timezone.now()
    run.save(update_fields=["state", "reason", "decision", "done_at"])


def _facts(run: TriggerRun, customer: Customer, order: Order | None) -> Facts:
    conditions = run.trigger.conditions or {}
    in_segment = None
    if conditions.get("segment_id"):
        from stammkunde.analytics.models import Segment
        from stammkunde.analytics.segment_definitions import SegmentDefinitionError
        from stammkunde.analytics.segments import customers_in_segment

        segment = Segment.objects.filter(pk=conditions["segment_id"]).first()
        try:
            in_segment = bool(
                segment and customers_in_segment(segment).filter(pk=customer.pk).exists()
            )
        except SegmentDefinitionError:
            in_segment = False
    total, categories, first = None, frozenset(), None
    if order is not None:
        total = Decimal(order.total)
        categories = frozenset(
            order.lines.exclude(product__isnull=True).values_list("product__category", flat=True)
        )
        earlier = Order.objects.filter(
            customer_id=customer.pk, placed_at__lt=order.placed_at, is_test=False
        ).exclude(status="cancelled")
        first = not earlier.exists()
    return Facts(
        language=message_language(customer.language),
        in_segment=in_segment,
        order_total=total,
        categories=categories,
        is_first_order=first,
    )


@transaction.atomic
def fire_run(run_id: int, *, now: datetime | None = None) -> TriggerRun:
    """Build, render and queue the mail of one due run, or skip it with the reason."""
    from stammkunde.messaging.services.outbox import queue_message

    now = now or timezone.now()
    run = (
        TriggerRun.objects.select_for_update(of=("self",))
        .select_related("trigger", "customer", "trigger__template_de", "trigger__template_en")
        .get(pk=run_id)
    )
    if run.state != RunState.WAITING:
        return run
    trigger = run.trigger
    if not trigger.is_active:
        _finish(run, RunState.SKIPPED, SWITCHED_OFF)
        return run
    if run.due_at < now - LATEST:
        _finish(run, RunState.SKIPPED, TOO_LATE)
        return run
    customer = run.customer
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        _finish(run, RunState.SKIPPED, NO_CUSTOMER)
        return run
    order = None
    if run.facts.get("order_id"):
        order = Order.objects.select_related("shop").filter(pk=run.facts["order_id"]).first()
        if order is None:
            _finish(run, RunState.SKIPPED, MISSING_ORDER)
            return run
    unmet = unmet_condition(trigger.conditions or {}, _facts(run, customer, order))
    if unmet:
        _finish(run, RunState.SKIPPED, f"condition:{unmet}")
        return run
    language = message_language(customer.language)
    template = trigger.template_for(language)
    if template is None:
        _finish(run, RunState.SKIPPED, NO_TEMPLATE)
        return run
    case = run.facts.get("case") or None
    sender = sender_of(trigger)
    if case and case.get("assignee_name") and case.get("assignee_email"):
        # A case mail comes from the person who owns the case.
        sender = Sender(case["assignee_name"], case["assignee_email"], "", sender.reply_to)
    data = mail_data(
        customer=customer,
        sender=sender,
        order=order,
        shipment_id=run.facts.get("shipment_id"),
        case=case,
        language=template.language,
    )
    try:
        rendered = render_message(
            subject=template.subject,
            text=template.text_body,
            html=template.html_body,
            context=data.context,
        )
    except TemplateError as error:
        _finish(run, RunState.FAILED, f"{RENDER_FAILED}:{error.problem.message}")
        return run
    queued = queue_message(
        customer=customer,
        to_address=customer.email or "",
        purpose=trigger.purpose,
        idempotency_key=run.idempotency_key,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        from_name=sender.name,
        from_address=sender.address,
        reply_to=sender.reply_to,
        source_type="trigger",
        source_id=trigger.pk,
        order_id=order.pk if order is not None else None,
    )
    _finish(run, RunState.QUEUED, decision=queued.decision)
    return run
