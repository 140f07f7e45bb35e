"""The life of a case: open it and take the customer's messages in.

Each function is one transaction that writes the case, its timeline entry (kinds of
``timeline/kinds.py``, params only), the audit entry (staff, or "system" for intake and jobs)
and, where the contract names one, a domain event (``service.events``). Replies and notes are
in ``case_replies``, status, assignment and escalation in ``case_state``; this module
re-exports them, so callers keep using ``service.services.cases``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.bulk import insert_one
from stammkunde.core.events import publish
from stammkunde.service import events
from stammkunde.service.models import (
    Case,
    CaseChannel,
    CaseMessage,
    CasePriority,
    CaseStatus,
    CaseType,
    MessageDirection,
    Team,
)
from stammkunde.service.services import batch_records, clocking, outside, routing
from stammkunde.service.services.case_common import (
    SUBJECT_MAX,
    TEXT_MAX,
    TIMELINE_CHANNELS,
    CaseError,
    add_to_thread,
    clean_text,
    event_fields,
    next_reference,
    record_case_activity,
    record_thread_message,
    service_address,
)
from stammkunde.timeline.models import ActivityKind, Channel, Direction


@batch_records.atomic
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
    if getattr(customer, "status", "") == "erased":
        # What is kept of an erased customer is restricted (Art. 18 GDPR): no new matter.
        raise CaseError(
            _(
                "This customer's data was erased and what is kept is restricted (Art. 18 "
                "GDPR): no case is opened for them."
            )
        )
    if channel not in CaseChannel.values:
        raise CaseError(_("Unknown channel %(channel)r.") % {"channel": channel})
    if priority and priority not in CasePriority.values:
        raise CaseError(_("Unknown priority %(priority)r.") % {"priority": priority})
    subject = clean_text(subject, field=_("The subject"), limit=SUBJECT_MAX)
    body = clean_text(body, field=_("The message"), required=False)
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
        reference=next_reference(),
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
    first_message = bool(body or inbound_mail is not None or message_id)
    if first_message:
        # Counted in the insert, which spares the update of _file_inbound.
        case.inbound_count, case.last_inbound_at = 1, now
    insert_one(case)
    if orders:
        case.orders.set(orders)
    record_case_activity(
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
    publish(events.CaseOpened(occurred_at=now, channel=channel, **event_fields(case)))
    outside.set_holds(
        customer_id=case.customer_id,
        reference=case.reference,
        complaint=case_type == CaseType.COMPLAINT,
        by=by,
    )
    if first_message:
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
            counted=True,
        )
    from stammkunde.service.services import escalation

    escalation.apply_rules(case, text=f"{subject}\n{body}", opening=True, at=now)
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
    counted: bool = False,
) -> CaseMessage:
    """Add the customer's message to the thread and count it on the case (``counted``: the
    case row counts it already)."""
    message = add_to_thread(
        case,
        direction=MessageDirection.INBOUND,
        by=author,
        subject=subject,
        created_at=received_at,
        from_address=from_address[:320],
        to_address=to_address,
        body_text=text,
        body_html=html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=" ".join(references),
        inbound_mail=inbound_mail,
    )
    if not counted:
        Case.objects.filter(pk=case.pk).update(
            inbound_count=case.inbound_count + 1, last_inbound_at=received_at
        )
        case.inbound_count += 1
        case.last_inbound_at = received_at
    return message


@batch_records.atomic
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
    record_thread_message(
        case,
        message,
        by=by,
        kind=ActivityKind.EMAIL_IN,
        params={"subject": message.subject},
        detail="inbound message",
        channel=TIMELINE_CHANNELS.get(case.channel, Channel.EMAIL),
        direction=Direction.INBOUND,
        occurred_at=now,
    )
    from stammkunde.service.services import escalation

    escalation.apply_rules(case, text=f"{subject}\n{text}", opening=False, at=now)
    return message


# Re-exported: the case's whole life stays reachable as service.services.cases.
from stammkunde.service.services.case_replies import add_note, reply, reply_subject  # noqa: E402
from stammkunde.service.services.case_state import assign, escalate, set_status  # noqa: E402

__all__ = [
    "SUBJECT_MAX",
    "TEXT_MAX",
    "CaseError",
    "add_inbound_message",
    "add_note",
    "assign",
    "escalate",
    "open_case",
    "reply",
    "reply_subject",
    "service_address",
    "set_status",
]
