"""Threads across cases: merging two cases of one matter, splitting a case in two, and a
customer's reply to a case that is already solved or closed (reopened within a configurable
time, else a linked follow-up case)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.models import Case, CaseMessage, CaseStatus, MessageDirection
from stammkunde.service.services import batch_records
from stammkunde.service.services import cases as case_services
from stammkunde.service.services.case_common import refuse_if_restricted
from stammkunde.service.services.cases import CaseError
from stammkunde.timeline.models import ActivityKind
from stammkunde.timeline.services import record_activity

# How long after solving a customer's reply reopens the case instead of opening a new one.
DEFAULT_REOPEN_DAYS = 14


def reopen_window() -> timedelta:
    return timedelta(days=int(getattr(settings, "SERVICE_REOPEN_DAYS", DEFAULT_REOPEN_DAYS)))


def _followed(case: Case) -> Case:
    """The case a merged case lives on in (merges followed to the end)."""
    seen = {case.pk}
    while case.merged_into_id is not None and case.merged_into_id not in seen:
        case = Case.objects.select_related("customer", "team").get(pk=case.merged_into_id)
        seen.add(case.pk)
    return case


@transaction.atomic
def merge_cases(source: Case, target: Case, *, by: Any) -> Case:
    """Move the thread and orders of ``source`` into ``target`` and close ``source`` (it points
    at ``target`` from then on). Both must belong to the same customer."""
    refuse_if_restricted(source, target)
    if source.pk == target.pk:
        raise CaseError(_("A case cannot be merged into itself."))
    if source.customer_id != target.customer_id:
        raise CaseError(_("Only cases of the same customer can be merged."))
    if target.merged_into_id is not None:
        raise CaseError(
            _("Case %(reference)s was itself merged; merge into the case it went to.")
            % {"reference": target.reference}
        )
    moved = CaseMessage.objects.filter(case=source).update(case=target)
    target.orders.add(*source.orders.all())
    Case.objects.filter(pk=target.pk).update(
        inbound_count=F("inbound_count") + source.inbound_count
    )
    target.refresh_from_db(fields=["inbound_count"])
    if source.is_active:
        case_services.set_status(source, CaseStatus.CLOSED, by=by)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    record_activity(
        customer_id=source.customer_id,
        kind=ActivityKind.CASE_MERGED,
        params={"case": source.reference, "into": target.reference},
        actor=by,
        subject=target,
    )
    audit(
        actor=by,
        action=AuditAction.MERGE,
        obj=target,
        customer_id=target.customer_id,
        detail=f"{source.reference} into {target.reference} ({moved} messages)",
    )
    return target


@transaction.atomic
def split_case(case: Case, messages: Iterable[CaseMessage | int], *, by: Any) -> Case:
    """Open a new case for the same customer with the chosen messages of ``case``'s thread
    (at least one, not all); it keeps type, team and channel and points back at ``case``."""
    refuse_if_restricted(case)
    ids = {getattr(message, "pk", message) for message in messages}
    if not ids:
        raise CaseError(_("Choose the messages that belong to the new case."))
    chosen = list(CaseMessage.objects.filter(case=case, pk__in=ids).order_by("created_at", "id"))
    if len(chosen) != len(ids):
        raise CaseError(_("Some of the chosen messages are not part of this case."))
    if len(chosen) == case.messages.count():
        raise CaseError(_("A split must leave at least one message in the case."))
    first = chosen[0]
    new_case = case_services.open_case(
        customer=case.customer,
        case_type=case.case_type,
        channel=case.channel,
        subject=first.subject or case.subject,
        body="",
        orders=case.orders.all(),
        by=by,
        team=case.team,
        opened_at=timezone.now(),
    )
    CaseMessage.objects.filter(pk__in=ids).update(case=new_case)
    inbound = sum(1 for message in chosen if message.direction == "inbound")
    Case.objects.filter(pk=new_case.pk).update(split_from=case, inbound_count=inbound)
    Case.objects.filter(pk=case.pk).update(inbound_count=F("inbound_count") - inbound)
    new_case.refresh_from_db()
    # Both threads say what happened, so whoever opens either case sees where the rest went.
    now = timezone.now()
    author = by if getattr(by, "is_authenticated", False) else None
    CaseMessage.objects.bulk_create(
        [
            CaseMessage(
                case=case,
                direction=MessageDirection.NOTE,
                author=author,
                subject=case.subject,
                body_text=_("%(count)s message(s) moved to the new case %(reference)s.")
                % {"count": len(chosen), "reference": new_case.reference},
                created_at=now,
            ),
            CaseMessage(
                case=new_case,
                direction=MessageDirection.NOTE,
                author=author,
                subject=new_case.subject,
                body_text=_("Split off from case %(reference)s.") % {"reference": case.reference},
                created_at=now,
            ),
        ]
    )
    Case.objects.filter(pk=case.pk).update(updated_at=now)
    # The customer's timeline tells it once (it names both cases).
    record_activity(
        customer_id=case.customer_id,
        kind=ActivityKind.CASE_SPLIT,
        params={"case": new_case.reference, "source": case.reference},
        actor=by,
        subject=new_case,
    )
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=new_case,
        customer_id=case.customer_id,
        detail=f"split from {case.reference} ({len(chosen)} messages)",
    )
    return new_case


@batch_records.atomic
def file_customer_reply(
    case: Case,
    *,
    from_address: str,
    to_address: str = "",
    subject: str = "",
    text: str = "",
    html: str = "",
    message_id: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    inbound_mail: Any = None,
    received_at: datetime | None = None,
) -> CaseMessage:
    """File a customer's message that threads to ``case`` (intake calls this once it has
    found the case by reference or Message-ID; the parameters are those of
    ``cases.add_inbound_message``).

    A merged case is followed to the case it went into. An active case gets the message. A
    solved or closed case solved less than ``STAMMKUNDE_SERVICE_REOPEN_DAYS`` (14) days ago
    is reopened; an older one stays closed and a new case is opened for the message, linked
    to it (``reopened_from``), with its type and orders. Returns the filed message (its
    ``case`` is the case it went to).
    """
    case = _followed(case)
    now = received_at or timezone.now()
    mail = {
        "from_address": from_address,
        "to_address": to_address,
        "subject": subject,
        "text": text,
        "html": html,
        "message_id": message_id,
        "in_reply_to": in_reply_to,
        "references": references,
        "inbound_mail": inbound_mail,
        "received_at": now,
    }
    if case.is_active:
        return case_services.add_inbound_message(case, **mail)
    finished = case.solved_at or case.closed_at or case.updated_at
    if finished is not None and now - finished <= reopen_window():
        case_services.set_status(case, CaseStatus.OPEN, by=None)
        return case_services.add_inbound_message(case, **mail)
    new_case = case_services.open_case(
        customer=case.customer,
        case_type=case.case_type,
        channel=case.channel,
        subject=subject or case.subject,
        body=text,
        body_html=html,
        orders=case.orders.all(),
        from_address=from_address,
        to_address=to_address,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        inbound_mail=inbound_mail,
        opened_at=now,
        reopened_from=case,
    )
    return new_case.messages.order_by("created_at", "id").first()
