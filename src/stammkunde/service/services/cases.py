"""The life of a case: open, messages in, replies out, notes, status, assignment, escalation.

Each function is one transaction that writes the case, its timeline entry (kinds of
``timeline/kinds.py``, params only), the audit entry (staff, or "system" for intake and jobs)
and, where the contract names one, a domain event (``service.events``). Replies leave through
messaging's outbox (``service.services.outside``); contact holds are messaging's too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.service import events
from stammkunde.service.models import (
    Case,
    CaseChannel,
    CaseMessage,
    CaseNumber,
    CasePriority,
    CaseStatus,
    CaseType,
    EscalationReason,
    MessageDirection,
    Team,
)
from stammkunde.service.models.cases import FIRST_NUMBER, REFERENCE_PREFIX
from stammkunde.service.services import clocking, outside, routing
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

SUBJECT_MAX = 300
TEXT_MAX = 100_000
# Timeline channel of each case channel.
TIMELINE_CHANNELS = {
    CaseChannel.EMAIL: Channel.EMAIL,
    CaseChannel.PHONE: Channel.PHONE,
    CaseChannel.WEB_FORM: Channel.SHOP,
    CaseChannel.CHAT_NOTE: Channel.CHAT,
    CaseChannel.LETTER: Channel.LETTER,
}


class CaseError(ValueError):
    """A change to a case that cannot be made; the message is meant for the user."""


def _next_reference() -> str:
    # One inserted row per number: race-free on SQLite and PostgreSQL (see CaseNumber).
    return f"{REFERENCE_PREFIX}{FIRST_NUMBER + CaseNumber.objects.create().pk}"


def _event_fields(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "reference": case.reference,
        "customer_id": case.customer_id,
        "case_type": case.case_type,
        "team_id": case.team_id,
        "subject": case.subject,
        "assignee_name": _display_name(case.assignee),
        "assignee_email": getattr(case.assignee, "email", "") or "",
    }


def _record(case: Case, kind: ActivityKind, *, by: Any, params: dict | None = None, **extra: Any):
    return record_activity(
        customer_id=case.customer_id,
        kind=kind,
        params={"case": case.reference, **(params or {})},
        actor=by,
        subject=case,
        **extra,
    )


def _clean_text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_("%(field)s must not be empty.") % {"field": field})
    if len(value) > limit:
        raise CaseError(
            _("%(field)s is longer than %(limit)s characters.") % {"field": field, "limit": limit}
        )
    return value


def _display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@transaction.atomic
def open_case(
    *,
    customer: Any,
    case_type: str,
    channel: str,
    subject: str,
    body: str,
    orders: Iterable[Any] = (),
    by: Any = None,
    inbound_mail: Any = None,
    team: Team | None = None,
    assignee: Any = None,
    priority: str = "",
    from_address: str = "",
    to_address: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    body_html: str = "",
    opened_at: datetime | None = None,
    reopened_from: Case | None = None,
) -> Case:
    """Open a case for ``customer`` and file its first message.

    Routing picks team, priority and assignee when not given (``service.services.routing``);
    the response clock starts in the team's business hours. Sets messaging's contact holds
    (an open case; a complaint too), escalates by rule (angry wording, legal threats, a
    high-value customer's complaint), records the timeline entry and the audit row and
    publishes ``service.CaseOpened``. ``by`` is the staff user who opened it (None for mail,
    web form and jobs). The mail fields (``from_address`` ... ``inbound_mail``) describe the
    first message when it came by e-mail; ``body`` is its text. Raises ``CaseError`` on bad
    input.
    """
    if case_type not in CaseType.values:
        raise CaseError(_("Unknown case type %(type)r.") % {"type": case_type})
    if channel not in CaseChannel.values:
        raise CaseError(_("Unknown channel %(channel)r.") % {"channel": channel})
    if priority and priority not in CasePriority.values:
        raise CaseError(_("Unknown priority %(priority)r.") % {"priority": priority})
    subject = _clean_text(subject, field=_("The subject"), limit=SUBJECT_MAX)
    body = _clean_text(body, field=_("The message"), required=False)
    orders = list(orders)
    foreign = [order.number for order in orders if order.customer_id != customer.pk]
    if foreign:
        raise CaseError(_("Order %(number)s belongs to another customer.") % {"number": foreign[0]})
    now = opened_at or timezone.now()
    chosen = routing.Route(team, None, "")
    if team is None:
        facts = routing.gather_facts(
            customer_id=customer.pk,
            case_type=case_type,
            channel=channel,
            subject=subject,
            body=body,
            orders=orders,
        )
        chosen = routing.route(facts)
    case = Case(
        reference=_next_reference(),
        case_type=case_type,
        status=CaseStatus.NEW if by is None else CaseStatus.OPEN,
        priority=priority or chosen.priority or CasePriority.NORMAL,
        customer=customer,
        team=chosen.team,
        channel=channel,
        subject=subject,
        opened_at=now,
        opened_by=by if getattr(by, "is_authenticated", False) else None,
        reopened_from=reopened_from,
    )
    if assignee is None and chosen.team is not None:
        assignee = routing.pick_assignee(chosen.team, now=now)
    case.assignee = assignee
    clocking.refresh_due_times(case)
    case.save()
    if orders:
        case.orders.set(orders)
    _record(
        case,
        ActivityKind.CASE_OPENED,
        by=by,
        params={"subject": subject},
        channel=TIMELINE_CHANNELS[channel],
        direction=Direction.INBOUND if by is None else Direction.INTERNAL,
        occurred_at=now,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=case,
        customer_id=case.customer_id,
        detail=f"case {case.reference}",
    )
    publish(events.CaseOpened(occurred_at=now, channel=channel, **_event_fields(case)))
    outside.set_holds(
        customer_id=case.customer_id,
        reference=case.reference,
        complaint=case_type == CaseType.COMPLAINT,
        by=by,
    )
    if body or inbound_mail is not None or message_id:
        _file_inbound(
            case,
            from_address=from_address or (customer.email or ""),
            to_address=to_address,
            subject=subject,
            text=body,
            html=body_html,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            inbound_mail=inbound_mail,
            received_at=now,
            author=by if channel != CaseChannel.EMAIL else None,
        )
    from stammkunde.service.services import escalation

    escalation.apply_rules(case, text=f"{subject}\n{body}", opening=True)
    return case


def _file_inbound(
    case: Case,
    *,
    from_address: str,
    to_address: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    in_reply_to: str,
    references: Sequence[str],
    inbound_mail: Any,
    received_at: datetime,
    author: Any = None,
) -> CaseMessage:
    message = CaseMessage.objects.create(
        case=case,
        direction=MessageDirection.INBOUND,
        author=author if getattr(author, "is_authenticated", False) else None,
        from_address=from_address[:320],
        to_address=to_address,
        subject=subject[:SUBJECT_MAX],
        body_text=text,
        body_html=html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=" ".join(references),
        created_at=received_at,
        inbound_mail=inbound_mail,
    )
    Case.objects.filter(pk=case.pk).update(
        inbound_count=case.inbound_count + 1, last_inbound_at=received_at
    )
    case.inbound_count += 1
    case.last_inbound_at = received_at
    return message


@transaction.atomic
def add_inbound_message(
    case: Case,
    *,
    inbound_mail: Any = None,
    from_address: str,
    to_address: str = "",
    subject: str = "",
    text: str = "",
    html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    received_at: datetime | None = None,
    by: Any = None,
) -> CaseMessage:
    """File a message from the customer in an active case (intake calls this per mail).

    Parameters are the parsed mail: ``from_address`` (the sender's address), ``to_address``
    (the recipients as one string), ``subject``, ``text`` (the plain text, quotes stripped or
    not as intake decides), ``html`` (already sanitized with nh3, may be ""), ``message_id``,
    ``in_reply_to`` (single Message-IDs with angle brackets), ``references`` (a sequence of
    Message-IDs), ``inbound_mail`` (intake's stored raw mail, linked from the message),
    ``received_at`` (default now). ``by`` is a staff user filing a call or letter.

    A case waiting for the customer runs its clock again and goes back to open; the third
    message on the same case, or angry wording, escalates by rule. Solved or closed cases:
    use ``service.services.threads.file_customer_reply``, which reopens or opens a follow-up.
    Records an ``email_in`` timeline entry.
    """
    if not case.is_active:
        raise CaseError(
            _("Case %(reference)s is %(status)s; file the reply as a follow-up.")
            % {"reference": case.reference, "status": case.get_status_display()}
        )
    now = received_at or timezone.now()
    message = _file_inbound(
        case,
        from_address=from_address,
        to_address=to_address,
        subject=subject or case.subject,
        text=text,
        html=html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        inbound_mail=inbound_mail,
        received_at=now,
        author=by,
    )
    changed = clocking.end_pause(case, now)
    if case.status in (CaseStatus.WAITING_CUSTOMER, CaseStatus.SOLVED):
        case.status = CaseStatus.OPEN
        changed.append("status")
    if changed:
        case.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    record_activity(
        customer_id=case.customer_id,
        kind=ActivityKind.EMAIL_IN,
        params={"subject": message.subject},
        actor=by,
        subject=case,
        channel=TIMELINE_CHANNELS.get(case.channel, Channel.EMAIL),
        direction=Direction.INBOUND,
        occurred_at=now,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=message,
        customer_id=case.customer_id,
        detail=f"inbound message on {case.reference}",
    )
    from stammkunde.service.services import escalation

    escalation.apply_rules(case, text=f"{subject}\n{text}", opening=False)
    return message


def reply_subject(case: Case) -> str:
    """Our replies carry the reference in brackets, which threads the customer's answer."""
    tag = f"[{case.reference}]"
    subject = case.subject if tag in case.subject else f"{tag} {case.subject}"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


@transaction.atomic
def reply(
    case: Case, *, by: Any, text: str, html: str = "", status: str = CaseStatus.WAITING_CUSTOMER
) -> CaseMessage:
    """Answer the customer: queue the mail in messaging's outbox (transactional, Reply-To the
    service address, threaded with In-Reply-To/References, sent in the agent's name, subject
    with the reference), file it in the thread, stop the first-response clock and set
    ``status`` (by default waiting for the customer). Publishes ``service.CaseAnswered``."""
    text = _clean_text(text, field=_("The reply"))
    if status not in CaseStatus.values:
        raise CaseError(_("Unknown status %(status)r.") % {"status": status})
    customer = case.customer
    if not customer.email:
        raise CaseError(_("The customer has no e-mail address; note the call instead."))
    now = timezone.now()
    thread = list(
        case.messages.exclude(message_id="")
        .exclude(direction=MessageDirection.NOTE)
        .order_by("created_at", "id")
        .values_list("direction", "message_id")
    )
    inbound_ids = [mid for direction, mid in thread if direction == MessageDirection.INBOUND]
    in_reply_to = inbound_ids[-1] if inbound_ids else (thread[-1][1] if thread else "")
    message = CaseMessage.objects.create(
        case=case,
        direction=MessageDirection.OUTBOUND,
        author=by,
        from_address=service_address(),
        to_address=customer.email,
        subject=reply_subject(case),
        body_text=text,
        body_html=html,
        in_reply_to=in_reply_to,
        references=" ".join(mid for _direction, mid in thread),
        created_at=now,
    )
    key = f"case-reply:{message.pk}"
    queued = outside.queue_reply(
        customer=customer,
        to_address=customer.email,
        idempotency_key=key,
        subject=message.subject,
        text=text,
        html=html,
        from_name=_display_name(by),
        from_address=service_address(),
        reply_to=service_address(),
        in_reply_to=in_reply_to,
        references=tuple(mid for _direction, mid in thread),
        source_type="case",
        source_id=case.pk,
        by=by,
    )
    message.outbound = queued.message
    message.message_id = queued.message.message_id if queued.message is not None else ""
    message.save(update_fields=["outbound", "message_id"])
    first_response = case.first_response_at is None
    changed = ["last_outbound_at"]
    case.last_outbound_at = now
    if first_response:
        case.first_response_at = now
        changed.append("first_response_at")
    case.save(update_fields=[*changed, "updated_at"])
    _record(
        case,
        ActivityKind.CASE_ANSWERED,
        by=by,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        occurred_at=now,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=message,
        customer_id=case.customer_id,
        detail=f"reply on {case.reference}",
    )
    publish(
        events.CaseAnswered(
            occurred_at=now,
            message_id=message.pk,
            first_response=first_response,
            **_event_fields(case),
        )
    )
    if status != case.status:
        set_status(case, status, by=by)
    return message


@transaction.atomic
def add_note(case: Case, *, by: Any, text: str) -> CaseMessage:
    """An internal note in the thread (never sent); a ``note`` entry on the timeline."""
    text = _clean_text(text, field=_("The note"))
    now = timezone.now()
    message = CaseMessage.objects.create(
        case=case,
        direction=MessageDirection.NOTE,
        author=by,
        subject=case.subject,
        body_text=text,
        created_at=now,
    )
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    record_activity(
        customer_id=case.customer_id,
        kind=ActivityKind.NOTE,
        params={"text": f"{case.reference}: {text}"},
        actor=by,
        subject=case,
        occurred_at=now,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=message,
        customer_id=case.customer_id,
        detail=f"note on {case.reference}",
    )
    return message


STATUS_KINDS = {
    CaseStatus.SOLVED: ActivityKind.CASE_SOLVED,
    CaseStatus.CLOSED: ActivityKind.CASE_CLOSED,
}


@transaction.atomic
def set_status(case: Case, status: str, *, by: Any) -> Case:
    """Move the case to ``status``. Waiting for the customer stops the clock, any other
    state runs it; solving releases the contact holds (a complaint's lingers 30 days) and
    publishes ``service.CaseSolved``; taking up a solved or closed case reopens it (holds set
    again)."""
    if status not in CaseStatus.values:
        raise CaseError(_("Unknown status %(status)r.") % {"status": status})
    if status == case.status:
        return case
    now = timezone.now()
    was_active = case.is_active
    previous = case.status
    case.status = status
    changed = ["status"]
    if status == CaseStatus.WAITING_CUSTOMER:
        changed += clocking.start_pause(case, now)
    else:
        changed += clocking.end_pause(case, now)
    if status == CaseStatus.SOLVED:
        case.solved_at = now
        changed.append("solved_at")
    elif status == CaseStatus.CLOSED:
        case.closed_at = now
        changed.append("closed_at")
        if previous != CaseStatus.SOLVED:
            case.solved_at = case.solved_at or now
            changed.append("solved_at")
    elif not was_active:
        case.solved_at = None
        case.closed_at = None
        changed += ["solved_at", "closed_at"]
    case.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if not was_active and case.is_active:
        _record(case, ActivityKind.CASE_REOPENED, by=by, occurred_at=now)
        outside.set_holds(
            customer_id=case.customer_id,
            reference=case.reference,
            complaint=case.case_type == CaseType.COMPLAINT,
            by=by,
        )
    elif status in STATUS_KINDS:
        _record(case, STATUS_KINDS[status], by=by, occurred_at=now)
    else:
        _record(
            case,
            ActivityKind.CASE_STATUS_CHANGED,
            by=by,
            params={"status": status},
            occurred_at=now,
        )
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=["status"],
        detail=f"{previous} -> {status}",
    )
    if was_active and not case.is_active:
        outside.release_holds(
            customer_id=case.customer_id,
            reference=case.reference,
            complaint=case.case_type == CaseType.COMPLAINT,
            by=by,
        )
        if status == CaseStatus.SOLVED or previous != CaseStatus.SOLVED:
            publish(events.CaseSolved(occurred_at=now, **_event_fields(case)))
    return case


@transaction.atomic
def assign(case: Case, user: Any, *, by: Any, team: Team | None = None) -> Case:
    """Give the case to ``user`` (None: back to the team queue), optionally moving it to
    ``team`` (its standards then apply). A user who is away hands it on to their substitute
    or a colleague at once."""
    now = timezone.now()
    changed = []
    if team is not None and team.pk != case.team_id:
        case.team = team
        changed += ["team", *clocking.refresh_due_times(case)]
    if user is not None:
        stand_in = routing.stand_in_for(user, case.team, now=now)
        user = stand_in or user
    if (user.pk if user else None) != case.assignee_id:
        case.assignee = user
        changed.append("assignee")
    if not changed:
        return case
    if case.status == CaseStatus.NEW and user is not None:
        case.status = CaseStatus.OPEN
        changed.append("status")
    case.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    params = {}
    if user is not None:
        params["assignee"] = _display_name(user)
    if case.team is not None:
        params["team"] = case.team.name
    _record(case, ActivityKind.CASE_ASSIGNED, by=by, params=params, occurred_at=now)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=[field for field in changed if field in ("team", "assignee")],
        detail=f"assigned {case.reference}",
    )
    return case


@transaction.atomic
def escalate(case: Case, *, by: Any, reason: str = EscalationReason.MANUAL) -> Case:
    """Hand the case to the mediator's queue with its reason (a button, or a rule with
    ``by`` None). A case already escalated stays with its first reason; the priority rises
    to high. Publishes ``service.CaseEscalated``."""
    if reason not in EscalationReason.values:
        raise CaseError(_("Unknown escalation reason %(reason)r.") % {"reason": reason})
    if case.escalated_at is not None:
        return case
    now = timezone.now()
    case.escalated_at = now
    case.escalation_reason = reason
    case.escalated_by = by if getattr(by, "is_authenticated", False) else None
    changed = ["escalated_at", "escalation_reason", "escalated_by"]
    if case.priority in (CasePriority.LOW, CasePriority.NORMAL):
        case.priority = CasePriority.HIGH
        changed.append("priority")
    case.save(update_fields=[*changed, "updated_at"])
    _record(case, ActivityKind.CASE_ESCALATED, by=by, params={"reason": reason}, occurred_at=now)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=case,
        customer_id=case.customer_id,
        fields=["escalated_at", "escalation_reason"],
        detail=f"escalated {case.reference}: {reason}",
    )
    publish(events.CaseEscalated(occurred_at=now, reason=reason, **_event_fields(case)))
    return case


def service_address() -> str:
    """The address customers write to and our replies come from (and are answered to)."""
    return getattr(settings, "SERVICE_ADDRESS", "") or settings.DEFAULT_FROM_EMAIL
