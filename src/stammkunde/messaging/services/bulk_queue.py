"""Deciding and queueing many messages at once (campaigns): the same checks as
``outbox.queue_message`` (address, suppression list, consent, contact holds, the governor),
read with one set-based query each instead of a handful per customer, and written with bulk
INSERTs (``core.bulk``). Every recipient gets one ``SendDecision`` row with its rule.

The governor is a pure function of its inputs, and most customers have no recent messages and
no holds: their decision is computed once per lifecycle and reused.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from stammkunde.core.bulk import insert_rows
from stammkunde.customers.models import ConsentChannel, ConsentEvent
from stammkunde.messaging import governor, ledger
from stammkunde.messaging.governor_terms import Lifecycle, Outcome, Purpose
from stammkunde.messaging.models import (
    ContactHold,
    DecisionRule,
    MessageState,
    OutboundMessage,
    SendDecision,
    Suppression,
)
from stammkunde.messaging.models.outbox import CONTACT_STATES
from stammkunde.messaging.models.suppression import MARKETING_ONLY_REASONS, SuppressionReason

# A cheap shape check; the outbox's sender refuses what the mail server refuses.
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
EXCEPTION_PURPOSES = frozenset({Purpose.FEEDBACK, Purpose.RECOMMENDATION})
CHUNK = 20_000


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    email: str


@dataclass(frozen=True)
class BulkDecision:
    customer_id: int
    outcome: str
    rule: str
    params: dict
    send_at: datetime | None
    time_zone: str


def _consents(purpose: Purpose) -> dict[int, bool]:
    """The current e-mail consent state per customer for ``purpose`` (newest event wins)."""
    state: dict[int, bool] = {}
    rows = (
        ConsentEvent.objects.filter(channel=ConsentChannel.EMAIL, purpose=str(purpose))
        .order_by("customer_id", "given_at", "id")
        .values_list("customer_id", "granted")
    )
    for customer_id, granted in rows.iterator(chunk_size=CHUNK):
        state[customer_id] = granted
    return state


def _buyers() -> set[int]:
    from stammkunde.shop.models import Order

    return set(
        Order.objects.filter(customer_id__isnull=False)
        .values_list("customer_id", flat=True)
        .distinct()
        .iterator(chunk_size=CHUNK)
    )


def _suppressed() -> dict[str, str]:
    return dict(Suppression.objects.values_list("address", "reason").iterator(chunk_size=CHUNK))


def _holds(at: datetime) -> dict[int, list[governor.ContactHold]]:
    since = at - ledger.governor_settings().complaint_quiet_period
    rows = ContactHold.objects.filter(
        Q(until__isnull=True) | Q(until__gte=since) | Q(since__gte=since)
    ).values_list("customer_id", "kind", "since", "until")
    holds = defaultdict(list)
    for customer_id, kind, since_, until in rows:
        holds[customer_id].append(
            governor.ContactHold(kind=kind, started_at=since_, released_at=until)
        )
    return holds


def _recent_sends(at: datetime) -> dict[int, list[governor.PastSend]]:
    rows = OutboundMessage.objects.filter(
        customer_id__isnull=False,
        purpose__in=[str(purpose) for purpose in governor.PROMOTIONAL],
        state__in=CONTACT_STATES,
        created_at__gte=at - ledger.LOOKBACK,
    ).values_list("customer_id", "purpose", "sent_at", "next_attempt_at", "created_at", "order_id")
    sends = defaultdict(list)
    for customer_id, purpose, sent_at, next_attempt_at, created_at, order_id in rows.iterator(
        chunk_size=CHUNK
    ):
        moment = sent_at or next_attempt_at or created_at
        sends[customer_id].append(
            governor.PastSend(purpose=purpose, sent_at=moment, order_id=order_id or None)
        )
    return sends


def _lifecycles() -> dict[int, Lifecycle]:
    from stammkunde.analytics.models import CustomerScore

    segments = ledger.INACTIVE_SEGMENTS | ledger.FORMER_SEGMENTS
    rows = CustomerScore.objects.filter(rfm_segment__in=segments).values_list(
        "customer_id", "rfm_segment"
    )
    return {
        customer_id: Lifecycle.FORMER if segment in ledger.FORMER_SEGMENTS else Lifecycle.INACTIVE
        for customer_id, segment in rows.iterator(chunk_size=CHUNK)
    }


def _held(customer_id: int, rule: str, **params: Any) -> BulkDecision:
    return BulkDecision(customer_id, Outcome.SUPPRESS, rule, params, None, "")


def decide_many(
    recipients: Iterable[Recipient], *, purpose: Purpose, at: datetime
) -> list[BulkDecision]:
    """The decision for each recipient, as ``queue_message`` would make it at ``at``."""
    purpose = Purpose(purpose)
    rules = ledger.governor_settings()
    time_zone = settings.TIME_ZONE
    consents = _consents(purpose) if purpose != Purpose.TRANSACTIONAL else {}
    exception = purpose in EXCEPTION_PURPOSES and settings.MESSAGING_EXISTING_CUSTOMER_EXCEPTION
    buyers = _buyers() if exception else set()
    suppressed = _suppressed()
    holds = _holds(at)
    sends = _recent_sends(at)
    lifecycles = _lifecycles()
    plain: dict[Lifecycle, governor.Decision] = {}
    decisions = []
    for recipient in recipients:
        customer_id = recipient.customer_id
        address = (recipient.email or "").strip().lower()

        if not address:
            decisions.append(_held(customer_id, DecisionRule.NO_ADDRESS))
            continue
        if not ADDRESS.match(address):
            decisions.append(_held(customer_id, DecisionRule.INVALID_ADDRESS))
            continue
        reason = suppressed.get(address)
        if reason is not None and (
            purpose != Purpose.TRANSACTIONAL or reason not in MARKETING_ONLY_REASONS
        ):
            rule = (
                DecisionRule.UNSUBSCRIBED
                if reason == SuppressionReason.UNSUBSCRIBED_ALL
                else DecisionRule.BOUNCED
            )
            decisions.append(_held(customer_id, rule, reason=reason))
            continue
        if purpose != Purpose.TRANSACTIONAL:
            granted = consents.get(customer_id)
            if not granted and not (granted is None and customer_id in buyers):
                decisions.append(_held(customer_id, DecisionRule.NO_CONSENT, purpose=str(purpose)))
                continue
        lifecycle = lifecycles.get(customer_id, Lifecycle.ACTIVE)
        customer_holds, customer_sends = holds.get(customer_id), sends.get(customer_id)
        if customer_holds or customer_sends:
            request = governor.SendRequest(
                purpose=purpose,
                at=at,
                recent_sends=customer_sends or (),
                holds=customer_holds or (),
                lifecycle=lifecycle,
                time_zone=time_zone,
            )
            decision = governor.decide(request, rules)
        else:
            decision = plain.get(lifecycle)
            if decision is None:
                request = governor.SendRequest(
                    purpose=purpose, at=at, lifecycle=lifecycle, time_zone=time_zone
                )
                decision = plain[lifecycle] = governor.decide(request, rules)
        record = decision.as_record()
        decisions.append(
            BulkDecision(
                customer_id,
                decision.outcome,
                str(decision.rule),
                record["params"],
                decision.send_at,
                decision.time_zone,
            )
        )
    return decisions


def record_decisions(
    decisions: Sequence[BulkDecision],
    *,
    purpose: Purpose,
    at: datetime,
    key_prefix: str,
    subject: str,
    source_type: str,
    source_id: str,
) -> Counter:
    """Write one SendDecision per decision (bulk INSERT); returns counts by (outcome, rule).

    Keys are ``<key_prefix>:<customer id>``: planning the same mailing again finds them taken
    (the unique key refuses the second row), so call it once per mailing.
    """
    adapt = connection.ops.adapt_datetimefield_value
    decided_at = adapt(at)
    columns = (
        "customer",
        "purpose",
        "outcome",
        "rule",
        "params",
        "time_zone",
        "decided_at",
        "send_at",
        "idempotency_key",
        "subject",
        "source_type",
        "source_id",
    )
    counts: Counter = Counter()
    empty = "{}"
    with transaction.atomic():
        for start in range(0, len(decisions), CHUNK):
            rows = []
            for decision in decisions[start : start + CHUNK]:
                counts[(str(decision.outcome), decision.rule)] += 1
                rows.append(
                    (
                        decision.customer_id,
                        str(purpose),
                        str(decision.outcome),
                        decision.rule,
                        json.dumps(decision.params) if decision.params else empty,
                        decision.time_zone,
                        decided_at,
                        adapt(decision.send_at) if decision.send_at else None,
                        f"{key_prefix}:{decision.customer_id}",
                        subject[:300],
                        source_type,
                        source_id,
                    )
                )
            insert_rows(SendDecision, columns, rows)
    return counts


@dataclass(frozen=True)
class BulkMessage:
    """One rendered message for a decision that lets it go (send or delay)."""

    decision_id: int
    customer_id: int
    to_address: str
    idempotency_key: str
    subject: str
    text: str
    html: str
    held_until: datetime | None


def queue_many(
    messages: Sequence[BulkMessage],
    *,
    purpose: Purpose,
    from_name: str,
    from_address: str,
    reply_to: str,
    source_type: str,
    source_id: str,
    legal_basis: str,
    now: datetime,
) -> int:
    """Put rendered messages of recorded decisions in the outbox (one INSERT per batch) and
    link each decision to its message. Returns how many were queued."""
    if not messages:
        return 0
    adapt = connection.ops.adapt_datetimefield_value
    domain = settings.MAIL_DOMAIN
    columns = (
        "idempotency_key",
        "customer",
        "to_address",
        "purpose",
        "state",
        "subject",
        "text_body",
        "html_body",
        "from_name",
        "from_address",
        "reply_to",
        "headers",
        "message_id",
        "in_reply_to",
        "references",
        "source_type",
        "source_id",
        "order_id",
        "legal_basis",
        "attempts",
        "next_attempt_at",
        "created_at",
        "error",
        "claimed_by",
    )
    created = adapt(now)
    rows = [
        (
            message.idempotency_key,
            message.customer_id,
            message.to_address,
            str(purpose),
            MessageState.HELD if message.held_until else MessageState.QUEUED,
            message.subject[:300],
            message.text,
            message.html,
            from_name,
            from_address,
            reply_to,
            "{}",
            make_msgid(domain=domain),
            "",
            "",
            source_type,
            source_id,
            "",
            legal_basis,
            0,
            adapt(message.held_until or now),
            created,
            "",
            "",
        )
        for message in messages
    ]
    with transaction.atomic():
        insert_rows(OutboundMessage, columns, rows)
        ids = dict(
            OutboundMessage.objects.filter(
                idempotency_key__in=[message.idempotency_key for message in messages]
            ).values_list("idempotency_key", "pk")
        )
        decisions = list(
            SendDecision.objects.filter(pk__in=[message.decision_id for message in messages])
        )
        for decision in decisions:
            decision.message_id = ids.get(decision.idempotency_key)
        from stammkunde.core.bulk import update_rows

        update_rows(decisions, ["message"])
    transaction.on_commit(_wake_sender)
    return len(rows)


def _wake_sender() -> None:
    try:
        from stammkunde.messaging.services.sending import enqueue_sending
    except ImportError:  # the worker's minute sweep finds the queued messages anyway
        return
    enqueue_sending()
