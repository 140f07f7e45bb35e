"""The state changes of an outbox row, each one short transaction (the worker's steps, the
checks at send time, and staff deciding on an uncertain message)."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core import error_reasons
from stammkunde.customers.models import CustomerStatus
from stammkunde.messaging import governor, ledger
from stammkunde.messaging.delivery_errors import DeliveryError, backoff_seconds
from stammkunde.messaging.governor_terms import Outcome, Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage, SendDecision
from stammkunde.messaging.services.outbox import _check_before_governor, record_held_back
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.models import Channel, Direction
from stammkunde.timeline.services import ActivityRow, record_activity, record_activity_row

MAX_ATTEMPTS_DEFAULT = 8


class UncertainError(ValueError):
    """A decision on a message that is not (or no longer) uncertain."""


def mark_uncertain(*, now) -> int:
    """``sending`` rows whose lease ran out: the worker died mid-send. Never resent by itself."""
    return OutboundMessage.objects.filter(state=MessageState.SENDING, lease_until__lt=now).update(
        state=MessageState.UNCERTAIN,
        claimed_by="",
        error="the worker stopped while handing the message over; it may or may not have gone out",
        error_code=error_reasons.UNCERTAIN_HANDOVER,
    )


def extend_claims(ids: list[int], worker: str, seconds: int) -> None:
    OutboundMessage.objects.filter(
        id__in=ids,
        claimed_by=worker,
        state__in=(MessageState.QUEUED, MessageState.HELD, MessageState.RETRYING),
    ).update(lease_until=timezone.now() + timedelta(seconds=seconds))


def put_back(message: OutboundMessage, *, delay_seconds: float) -> None:
    """Release the claim; the message is due again after ``delay_seconds``."""
    OutboundMessage.objects.filter(pk=message.pk, claimed_by=message.claimed_by).update(
        claimed_by="",
        lease_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay_seconds),
    )


def mark_sending(message: OutboundMessage, worker: str, lease: int) -> bool:
    """Commit ``sending`` before the SMTP transaction; False if the claim was lost.

    One statement on its own (autocommit): committed before the hand-over, for this message
    only. Marking a whole claimed batch ``sending`` at once would save the commits but leave
    the whole batch uncertain when the worker dies; one message at a time, a dead worker
    leaves at most the messages it was handing over uncertain (one per connection, see
    ``services/handover.py``). The SQL is written out: the ORM's update costs several times
    the statement, twice per message."""
    until = timezone.now() + timedelta(seconds=lease)
    changed = _execute(
        "sending",
        [connection.ops.adapt_datetimefield_value(until), message.pk, worker],
    )
    message.attempts += 1
    return changed == 1


def _execute(statement: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor)[statement], params)
        return cursor.rowcount


@functools.cache
def _statements(vendor: str) -> dict[str, str]:
    """The worker's two per-message updates, per database vendor (quoting)."""
    quote = connection.ops.quote_name
    table = quote(OutboundMessage._meta.db_table)
    column = {field.attname: quote(field.column) for field in OutboundMessage._meta.fields}
    sending, sent = MessageState.SENDING.value, MessageState.SENT.value
    queued, retrying = MessageState.QUEUED.value, MessageState.RETRYING.value
    uncertain = MessageState.UNCERTAIN.value
    return {
        "sending": (
            f"UPDATE {table} SET {column['state']} = '{sending}',"
            f" {column['attempts']} = {column['attempts']} + 1, {column['lease_until']} = %s"
            f" WHERE {column['id']} = %s AND {column['claimed_by']} = %s"
            f" AND {column['state']} IN ('{queued}', '{retrying}')"
        ),
        "sent": (
            f"UPDATE {table} SET {column['state']} = '{sent}', {column['sent_at']} = %s,"
            f" {column['claimed_by']} = '', {column['lease_until']} = NULL,"
            f" {column['error']} = '', {column['error_code']} = ''"
            f" WHERE {column['id']} = %s AND {column['state']} IN ('{sending}', '{uncertain}')"
        ),
    }


@transaction.atomic
def mark_sent(message: OutboundMessage, *, by: Any | None = None) -> None:
    """Commit ``sent`` (also for a message marked uncertain meanwhile: it did go out)."""
    now = timezone.now()
    changed = _execute("sent", [connection.ops.adapt_datetimefield_value(now), message.pk])
    if not changed or message.customer_id is None:
        return
    if by is None:
        # The worker's path, once per message: one prepared INSERT that skips an existing key
        # instead of record_activity's look-up, savepoint and model save.
        record_activity_row(
            ActivityRow(
                customer_id=message.customer_id,
                kind=ActivityKind.MESSAGE_SENT,
                occurred_at=now,
                params={"message": message.subject},
                channel=Channel.EMAIL,
                direction=Direction.OUTBOUND,
                actor_label="messaging",
                subject_type=OutboundMessage._meta.label_lower,
                subject_id=message.pk,
                dedupe_key=f"message-sent:{message.pk}",
            )
        )
        return
    record_activity(
        customer_id=message.customer_id,
        kind=ActivityKind.MESSAGE_SENT,
        params={"message": message.subject},
        occurred_at=now,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        actor=by,
        subject=message,
        dedupe_key=f"message-sent:{message.pk}",
    )


def mark_failed_attempt(message: OutboundMessage, failure: DeliveryError) -> str:
    """A failed hand-over: wait and retry (temporary, attempts left) or fail for good."""
    max_attempts = int(getattr(settings, "MESSAGING_MAX_ATTEMPTS", MAX_ATTEMPTS_DEFAULT))
    if failure.temporary and message.attempts < max_attempts:
        OutboundMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
            state=MessageState.RETRYING,
            claimed_by="",
            lease_until=None,
            error=failure.text[:2000],
            error_code=failure.code,
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(message.attempts)),
        )
        return MessageState.RETRYING
    text = (
        failure.text
        if not failure.temporary
        else f"gave up after {message.attempts} attempts: {failure.text}"
    )
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
            state=MessageState.FAILED,
            claimed_by="",
            lease_until=None,
            error=text[:2000],
            error_code=failure.code,
        )
        if message.customer_id is not None:
            record_activity(
                customer_id=message.customer_id,
                kind=ActivityKind.MESSAGE_FAILED,
                params={"message": message.subject, "error": text[:300]},
                channel=Channel.EMAIL,
                direction=Direction.OUTBOUND,
                actor_label="messaging",
                subject=message,
                dedupe_key=f"message-failed:{message.pk}",
            )
        if failure.hard_bounce:
            from stammkunde.messaging.services.suppression import suppress_address

            suppress_address(
                address=message.to_address,
                reason="hard_bounce",
                source="smtp",
                message=message,
            )
    return MessageState.FAILED


def check_at_send_time(
    message: OutboundMessage, *, maybe_suppressed: bool = True, consented: bool = False
) -> str:
    """Decide again before sending: the address may have been suppressed or consent withdrawn
    since queueing, and a delayed message meets the governor again. Returns "send", "held"
    (delayed once more) or "cancelled". ``maybe_suppressed`` False (the worker read the
    batch's suppressions) lets a transactional message go without another query; with
    ``consented`` True too (the worker read the batch's consents: the newest event for this
    purpose grants it) so does a queued marketing message that nothing else holds back."""
    if not maybe_suppressed and (
        (message.purpose == Purpose.TRANSACTIONAL and not _erased(message))
        or (consented and _plainly_allowed(message))
    ):
        return "send"
    with transaction.atomic():
        check = _check_before_governor(message.customer, message.to_address, message.purpose)
        if check is not None:
            _cancel(message, outcome=check.outcome, rule=check.rule, params=check.params)
            return "cancelled"
        if message.state != MessageState.HELD:
            return "send"
        now = timezone.now()
        decision = governor.decide(
            ledger.send_request(
                message.customer_id, message.purpose, now, message.order_id or None
            ),
            ledger.governor_settings(),
        )
        record = decision.as_record()
        if decision.outcome == Outcome.SUPPRESS:
            _cancel(
                message, outcome=decision.outcome, rule=str(decision.rule), params=record["params"]
            )
            return "cancelled"
        _decision(message, decision.outcome, str(decision.rule), record["params"], decision.send_at)
        if decision.outcome == Outcome.DELAY:
            OutboundMessage.objects.filter(pk=message.pk).update(
                claimed_by="", lease_until=None, next_attempt_at=decision.send_at
            )
            return "held"
        OutboundMessage.objects.filter(pk=message.pk).update(state=MessageState.QUEUED)
        message.state = MessageState.QUEUED
        return "send"


def _erased(message: OutboundMessage) -> bool:
    """Whether the message's customer was erased since queueing (then not even a transactional
    mail goes: the full check cancels it with its reason)."""
    return message.customer_id is not None and message.customer.status == CustomerStatus.ERASED


def _plainly_allowed(message: OutboundMessage) -> bool:
    """What ``_check_before_governor`` asks besides suppression and consent, without a query:
    a queued (not delayed) message to a valid address of a customer neither erased nor
    restricted. Anything else takes the full check."""
    customer = message.customer
    if message.state != MessageState.QUEUED or customer is None:
        return False
    if customer.status == CustomerStatus.ERASED or customer.processing_restricted_at is not None:
        return False
    try:
        validate_email(message.to_address)
    except ValidationError:
        return False
    return True


def _decision(message, outcome, rule, params, send_at=None) -> SendDecision:
    return SendDecision.objects.create(
        customer_id=message.customer_id,
        purpose=message.purpose,
        outcome=outcome,
        rule=rule,
        params=params,
        time_zone=settings.TIME_ZONE,
        decided_at=timezone.now(),
        send_at=send_at,
        message=message,
        subject=message.subject,
        source_type=message.source_type,
        source_id=message.source_id,
    )


def _cancel(message: OutboundMessage, *, outcome, rule, params) -> None:
    decision = _decision(message, outcome, rule, params)
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=MessageState.CANCELLED,
        claimed_by="",
        lease_until=None,
        error=f"held back: {rule}",
        # Shown to staff as a sentence in their language; the decision keeps rule and params.
        error_code=error_reasons.HELD_BACK,
    )
    if message.customer_id is not None:
        record_held_back(decision)


@transaction.atomic
def resolve_uncertain(message_id: int, *, action: str, by: Any) -> OutboundMessage:
    """Staff decide on an uncertain message: ``resend`` (queued again with the same
    Message-ID, so a receiving system can tell a repeat) or ``mark_sent``. Audited."""
    message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.state != MessageState.UNCERTAIN:
        raise UncertainError("This message is not waiting for a decision.")
    if action == "resend":
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=MessageState.QUEUED,
            next_attempt_at=timezone.now(),
            claimed_by="",
            lease_until=None,
            resolved_by=by if getattr(by, "is_authenticated", False) else None,
        )
        from stammkunde.messaging.services.sending import enqueue_sending

        enqueue_sending()
    elif action == "mark_sent":
        mark_sent(message, by=by)
        OutboundMessage.objects.filter(pk=message.pk).update(
            resolved_by=by if getattr(by, "is_authenticated", False) else None
        )
    else:
        raise UncertainError(f"unknown decision {action!r}")
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=message,
        customer_id=message.customer_id,
        fields=["state"],
        detail=f"uncertain message: {action}",
    )
    message.refresh_from_db()
    return message
