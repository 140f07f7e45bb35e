"""Writing many decisions and messages at once (campaigns), with bulk INSERTs
(``core.bulk``): every recipient gets one ``SendDecision`` row with its rule
(``bulk_decisions.decide_many`` makes them), and the messages it lets go are queued in one
INSERT per batch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from stammkunde.core.bulk import insert_rows
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import MessageState, OutboundMessage, SendDecision
from stammkunde.messaging.services.bulk_decisions import CHUNK, BulkDecision


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
    columns = ("customer", "outcome", "rule", "params", "time_zone", "send_at", "idempotency_key")
    constants = {
        "purpose": str(purpose),
        "decided_at": adapt(at),
        "subject": subject[:300],
        "source_type": source_type,
        "source_id": source_id,
    }
    counts: Counter = Counter()
    encoded: dict[int, str] = {}
    # Most decisions share a few send times (the governor's answer is reused per lifecycle):
    # each distinct one is adapted once, not once per row (a million rows: seconds).
    adapted: dict[datetime, Any] = {}
    with transaction.atomic():
        for start in range(0, len(decisions), CHUNK):
            chunk = decisions[start : start + CHUNK]
            counts.update((decision.outcome, decision.rule) for decision in chunk)
            rows = [
                (
                    customer_id,
                    outcome,
                    rule,
                    encoded.get(id(params)) or _encode(params, encoded),
                    time_zone,
                    (adapted.get(send_at) or _adapt(send_at, adapted)) if send_at else None,
                    # Zero-padded: the keys grow in order, so the unique index is appended to
                    # instead of split all over (a million keys on SQLite).
                    f"{key_prefix}:{customer_id:012d}",
                )
                for customer_id, outcome, rule, params, send_at, time_zone in chunk
            ]
            insert_rows(SendDecision, columns, rows, constants=constants)
    return counts


def _adapt(moment: datetime, adapted: dict[datetime, Any]) -> Any:
    value = adapted[moment] = connection.ops.adapt_datetimefield_value(moment)
    return value


def _encode(params: dict, encoded: dict[int, str]) -> str:
    # Keyed on the dict's identity: the shared parameter dicts are encoded once. Safe because
    # ``decisions`` keeps every dict alive while it is written (no identity is reused).
    text = encoded[id(params)] = json.dumps(params)
    return text


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
    # Why this recipient may get it, where it differs per recipient (consent, or the UWG §7(3)
    # existing-customer exception, whose mails carry the objection notice); "" = queue_many's.
    legal_basis: str = ""


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
            message.legal_basis or legal_basis,
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
    from stammkunde.messaging.services.sending import enqueue_sending

    enqueue_sending()
