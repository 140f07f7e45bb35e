"""The worker's side of the outbox: claim due messages with a lease, send each at most once.

Per message: ``sending`` is committed before the SMTP transaction, ``sent`` after it. A worker
that dies before ``sending`` leaves a claim whose lease runs out: another worker takes the
message. One that dies while ``sending`` leaves messages that may or may not have gone out:
when their lease has run out they become ``uncertain`` and wait for staff (never resent by
themselves). Temporary failures wait and retry with backoff; permanent ones fail visibly.

The SMTP transactions run in a few sender threads (``handover.py``, ``MESSAGING_CONNECTIONS``,
each with one reused connection) while this thread checks and builds the next message: at most
that many messages are ``sending`` at a time, so a dead worker leaves at most that many
uncertain."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from stammkunde.core.retrying import ThrottledEnqueue
from stammkunde.customers.models import ConsentChannel
from stammkunde.customers.queries import consent_granted_many
from stammkunde.messaging import failpoints
from stammkunde.messaging.composing import build_email
from stammkunde.messaging.delivery_errors import DeliveryError, classify
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage, Suppression
from stammkunde.messaging.models.outbox import DUE_STATES
from stammkunde.messaging.rate_limits import DomainLimiter
from stammkunde.messaging.services import transitions
from stammkunde.messaging.services.handover import Handover, Outcome

logger = logging.getLogger(__name__)

BATCH_SIZE = 50


def _send_task():
    from stammkunde.messaging.tasks import send_messages

    return send_messages


enqueue_send_task = ThrottledEnqueue(_send_task, throttle_seconds=1.0)


def enqueue_sending() -> None:
    """Make sure a worker run on the ``mail`` queue picks up what this transaction queued
    (after it commits)."""
    transaction.on_commit(enqueue_send_task)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0
    uncertain: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def worker_id() -> str:
    """This worker's name in claims: host, process and a random part (threads differ)."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> int:
    return int(getattr(settings, "MESSAGING_LEASE_SECONDS", 120))


def mark_lost_sends_uncertain() -> int:
    """Messages left ``sending`` by a worker whose lease ran out become ``uncertain``."""
    return transitions.mark_uncertain(now=timezone.now())


def claim(worker: str, *, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due messages for ``worker`` (skipping those claimed by others)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(state__in=DUE_STATES, next_attempt_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            OutboundMessage.objects.filter(id__in=ids).update(
                claimed_by=worker, lease_until=now + timedelta(seconds=lease_seconds())
            )
    return ids


def connections() -> int:
    """How many connections a worker keeps to the mail server (``MESSAGING_CONNECTIONS``)."""
    return max(1, int(getattr(settings, "MESSAGING_CONNECTIONS", 2) or 1))


def drain(
    *,
    max_seconds: float = 300.0,
    batch_size: int = BATCH_SIZE,
    backend: str | None = None,
    connection_count: int | None = None,
) -> DrainResult:
    """Send due messages until none is due (or ``max_seconds`` passed: then hand over to a
    fresh task). ``connection_count`` sender threads (default ``connections()``) each reuse
    one connection to the mail server for the whole run, while this thread checks, builds
    and commits the next messages."""
    result = DrainResult(uncertain=mark_lost_sends_uncertain())
    worker = worker_id()
    limiter = DomainLimiter(
        getattr(settings, "MESSAGING_DOMAIN_LIMITS", {}),
        getattr(settings, "MESSAGING_DOMAIN_LIMIT_PER_MINUTE", 0),
    )
    handover = Handover(backend, connection_count or connections())
    started = time.monotonic()
    try:
        while True:
            # The batch before is finished first: a worker killed after claiming leaves no
            # message of it ``sending``.
            _finish(handover.all_finished(), result)
            ids = claim(worker, limit=batch_size)
            if not ids:
                break
            failpoints.reached("claimed")
            claimed_at = time.monotonic()
            # One read for the batch: the rows and which of their addresses are suppressed.
            batch = {
                message.pk: message
                for message in OutboundMessage.objects.select_related("customer").filter(
                    pk__in=ids, claimed_by=worker
                )
            }
            suppressed = set(
                Suppression.objects.filter(
                    address__in={message.to_address for message in batch.values()}
                ).values_list("address", flat=True)
            )
            # And the consents of the batch's marketing messages: a campaign's message whose
            # consent still stands goes without the per-message check's queries.
            consents = consent_granted_many(
                {
                    message.customer_id
                    for message in batch.values()
                    if message.purpose != Purpose.TRANSACTIONAL and message.customer_id
                },
                channel=ConsentChannel.EMAIL,
            )
            for position, pk in enumerate(ids):
                if time.monotonic() - claimed_at > lease_seconds() / 2:
                    # Slow server: keep the rest of the batch ours.
                    transitions.extend_claims(ids[position:], worker, lease_seconds())
                    claimed_at = time.monotonic()
                _finish(handover.finished(), result)
                _send_one(batch.get(pk), worker, handover, limiter, result, suppressed, consents)
            if time.monotonic() - started > max_seconds:
                enqueue_send_task.enqueue()
                break
    finally:
        _finish(handover.close(), result)
    return result


def _send_one(
    message, worker, handover: Handover, limiter, result: DrainResult, suppressed, consents
) -> None:
    if message is None or message.state not in DUE_STATES:
        return  # the claim went to someone else meanwhile
    check = transitions.check_at_send_time(
        message,
        maybe_suppressed=message.to_address in suppressed,
        consented=consents.get((message.customer_id, message.purpose)) is True,
    )
    if check == "held":
        result.held += 1
        return
    if check == "cancelled":
        result.cancelled += 1
        return
    wait = limiter.wait_seconds(message.domain)
    if wait:
        transitions.put_back(message, delay_seconds=wait)
        return
    # Built while the connections carry earlier messages.
    email = build_email(message)
    # Every outcome that came back is committed before the next ``sending``: at most
    # ``handover.size`` messages are ever ``sending`` for this worker.
    _finish(handover.finished(wait=handover.full), result)
    if not transitions.mark_sending(message, worker, sending_lease_seconds()):
        return
    failpoints.reached("sending")
    # Counted when submitted, not when accepted: what is in flight counts against the limit.
    limiter.record(message.domain)
    handover.submit(message, email)


def _finish(outcomes: list[Outcome], result: DrainResult) -> None:
    """Commit what became of messages the sender threads are done with."""
    for outcome in outcomes:
        message = outcome.message
        if outcome.error is not None:
            failure = classify(outcome.error)
            logger.info("message %s not handed over: %s", message.pk, failure.text)
            _failed(message, failure, result)
            continue
        transitions.mark_sent(message)
        failpoints.reached("sent")
        result.sent += 1


def _failed(message: OutboundMessage, failure: DeliveryError, result: DrainResult) -> None:
    state = transitions.mark_failed_attempt(message, failure)
    if state == MessageState.RETRYING:
        result.retrying += 1
    else:
        result.failed += 1


def sending_lease_seconds() -> int:
    """A message in ``sending`` is given up as uncertain after this long: well beyond one
    SMTP transaction (the connection times out after EMAIL_TIMEOUT at every step)."""
    return max(lease_seconds(), 6 * int(getattr(settings, "EMAIL_TIMEOUT", 30) or 30))
