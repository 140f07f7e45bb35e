"""A case's replies to the customer (through messaging's outbox) and its internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core.events import publish
from stammkunde.service import events
from stammkunde.service.models import (
    Case,
    CaseMessage,
    CaseStatus,
    MessageDirection,
)
from stammkunde.service.services import outside
from stammkunde.service.services.case_common import (
    CaseError,
    add_to_thread,
    clean_text,
    display_name,
    event_fields,
    record_thread_message,
    refuse_if_restricted,
    service_address,
)
from stammkunde.service.services.case_state import set_status
from stammkunde.timeline.models import ActivityKind, Channel, Direction


def reply_subject(case: Case) -> str:
    """Our replies carry the reference in brackets, which threads the customer's answer."""
    tag = f"[{case.reference}]"
    subject = case.subject if tag in case.subject else f"{tag} {case.subject}"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


@transaction.atomic
def reply(
    case: Case,
    *,
    by: Any,
    text: str,
    html: str = "",
    status: str = CaseStatus.WAITING_CUSTOMER,
    at: datetime | None = None,
) -> CaseMessage:
    """Answer the customer: queue the mail in messaging's outbox (transactional, Reply-To the
    service address, threaded with In-Reply-To/References, sent in the agent's name, subject
    with the reference), file it in the thread, stop the first-response clock and set
    ``status`` (by default waiting for the customer). Publishes ``service.CaseAnswered``.
    ``at``: when it was written (default now; the demo writes its history with it)."""
    refuse_if_restricted(case)
    text = clean_text(text, field=_("The reply"))
    if status not in CaseStatus.values:
        raise CaseError(_("Unknown status %(status)r.") % {"status": status})
    customer = case.customer
    if not customer.email:
        raise CaseError(_("The customer has no e-mail address; note the call instead."))
    now = at or timezone.now()
    thread = list(
        case.messages.exclude(message_id="")
        .exclude(direction=MessageDirection.NOTE)
        .order_by("created_at", "id")
        .values_list("direction", "message_id")
    )
    inbound_ids = [mid for direction, mid in thread if direction == MessageDirection.INBOUND]
    in_reply_to = inbound_ids[-1] if inbound_ids else (thread[-1][1] if thread else "")
    message = add_to_thread(
        case,
        direction=MessageDirection.OUTBOUND,
        by=by,
        subject=reply_subject(case),
        created_at=now,
        from_address=service_address(),
        to_address=customer.email,
        body_text=text,
        body_html=html,
        in_reply_to=in_reply_to,
        references=" ".join(mid for _direction, mid in thread),
    )
    key = f"case-reply:{message.pk}"
    queued = outside.queue_reply(
        customer=customer,
        to_address=customer.email,
        idempotency_key=key,
        subject=message.subject,
        text=text,
        html=html,
        from_name=display_name(by),
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
        # The resolution clock runs from here: it warns and breaches on its own, which the
        # first response's marks kept it from doing. Written whatever this object holds: the
        # periodic job sets them by an update of the row.
        case.breach_warned_at = case.breached_at = None
        changed += ["breach_warned_at", "breached_at"]
    case.save(update_fields=[*changed, "updated_at"])
    record_thread_message(
        case,
        message,
        by=by,
        kind=ActivityKind.CASE_ANSWERED,
        params={"case": case.reference},
        detail="reply",
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        occurred_at=now,
    )
    publish(
        events.CaseAnswered(
            occurred_at=now,
            message_id=message.pk,
            first_response=first_response,
            **event_fields(case),
        )
    )
    if status != case.status:
        set_status(case, status, by=by, at=now)
    return message


@transaction.atomic
def add_note(case: Case, *, by: Any, text: str, at: datetime | None = None) -> CaseMessage:
    """An internal note in the thread (never sent); a ``note`` entry on the timeline; ``at``
    when it was written (default now)."""
    refuse_if_restricted(case)
    text = clean_text(text, field=_("The note"))
    now = at or timezone.now()
    message = add_to_thread(
        case,
        direction=MessageDirection.NOTE,
        by=by,
        subject=case.subject,
        created_at=now,
        body_text=text,
    )
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    record_thread_message(
        case,
        message,
        by=by,
        kind=ActivityKind.NOTE,
        params={"text": f"{case.reference}: {text}"},
        detail="note",
        occurred_at=now,
    )
    return message
