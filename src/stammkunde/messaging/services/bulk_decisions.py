"""Deciding many messages at once (campaigns): the same checks as ``outbox.queue_message``
(address, suppression list, consent, contact holds, the governor), read with one set-based query
each instead of a handful per customer; ``bulk_queue`` writes the decisions and the messages.

The governor is a pure function of its inputs, and most customers have no recent messages and
no holds: their decision is computed once per lifecycle and reused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Q

from stammkunde.customers.models import ConsentChannel, ConsentEvent, Customer
from stammkunde.messaging import governor, ledger
from stammkunde.messaging.governor_terms import Lifecycle, Outcome, Purpose
from stammkunde.messaging.models import ContactHold, DecisionRule, OutboundMessage, Suppression
from stammkunde.messaging.models.outbox import CONTACT_STATES
from stammkunde.messaging.models.suppression import MARKETING_ONLY_REASONS, SuppressionReason

# A cheap shape check; the outbox's sender refuses what the mail server refuses.
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


EXCEPTION_PURPOSES = frozenset({Purpose.FEEDBACK, Purpose.RECOMMENDATION})


CHUNK = 20_000


class Recipient(NamedTuple):
    customer_id: int
    email: str


class BulkDecision(NamedTuple):
    # A tuple, not a dataclass: a million of them are made in one planning run.
    customer_id: int
    outcome: str
    rule: str
    params: dict
    send_at: datetime | None
    time_zone: str


def raw_rows(queryset: Any) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset straight from the cursor, without the ORM's
    per-value converters (a million rows: seconds saved). Only for ints, text and booleans."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _consents(purpose: Purpose) -> dict[int, bool]:
    """The current e-mail consent state per customer for ``purpose`` (newest event wins)."""
    state: dict[int, bool] = {}
    rows = (
        ConsentEvent.objects.filter(channel=ConsentChannel.EMAIL, purpose=str(purpose))
        .order_by("customer_id", "given_at", "id")
        .values_list("customer_id", "granted")
    )
    for customer_id, granted in raw_rows(rows):
        state[customer_id] = bool(granted)
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
    return dict(raw_rows(Suppression.objects.values_list("address", "reason")))


def _restricted() -> dict[int, str]:
    """Customers whose processing staff restricted (Art. 18 GDPR), with the reason: a few."""
    rows = Customer.objects.filter(processing_restricted_at__isnull=False).values_list(
        "id", "processing_restriction_reason"
    )
    return {customer_id: reason or "Art. 18 GDPR" for customer_id, reason in rows}


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


def decide_many(
    recipients: Iterable[Recipient], *, purpose: Purpose, at: datetime
) -> list[BulkDecision]:
    """The decision for each recipient, as ``queue_message`` would make it at ``at``."""
    purpose = Purpose(purpose)
    rules = ledger.governor_settings()
    time_zone = settings.TIME_ZONE
    marketing = purpose != Purpose.TRANSACTIONAL
    consents = _consents(purpose) if marketing else {}
    exception = purpose in EXCEPTION_PURPOSES and settings.MESSAGING_EXISTING_CUSTOMER_EXCEPTION
    buyers = _buyers() if exception else set()
    suppressed = _suppressed()
    restricted = _restricted() if marketing else {}
    restricted_rule = DecisionRule.RESTRICTED.value
    holds = _holds(at)
    sends = _recent_sends(at)
    lifecycles = _lifecycles()
    # Shared parameter dicts: the same few are written a million times (see record_decisions).
    no_consent = {"purpose": str(purpose)}
    suppressed_params = {reason: {"reason": reason} for reason in set(suppressed.values())}
    plain: dict[Lifecycle, tuple] = {}
    suppress, active = Outcome.SUPPRESS.value, Lifecycle.ACTIVE
    no_address, invalid = DecisionRule.NO_ADDRESS.value, DecisionRule.INVALID_ADDRESS.value
    empty: dict = {}
    decisions = []
    append = decisions.append
    for customer_id, email in recipients:
        if customer_id in restricted:
            # as _check_before_governor: held with the reason staff gave
            params = {"reason": restricted[customer_id]}
            append(BulkDecision(customer_id, suppress, restricted_rule, params, None, ""))
            continue
        address = (email or "").strip().lower()
        if not address:
            append(BulkDecision(customer_id, suppress, no_address, empty, None, ""))
            continue
        if not ADDRESS.match(address):
            append(BulkDecision(customer_id, suppress, invalid, empty, None, ""))
            continue
        reason = suppressed.get(address)
        if reason is not None and (marketing or reason not in MARKETING_ONLY_REASONS):
            rule = (
                DecisionRule.UNSUBSCRIBED.value
                if reason == SuppressionReason.UNSUBSCRIBED_ALL
                else DecisionRule.BOUNCED.value
            )
            append(BulkDecision(customer_id, suppress, rule, suppressed_params[reason], None, ""))
            continue
        if marketing:
            granted = consents.get(customer_id)
            if not granted and not (granted is None and customer_id in buyers):
                rule = DecisionRule.NO_CONSENT.value
                append(BulkDecision(customer_id, suppress, rule, no_consent, None, ""))
                continue
        lifecycle = lifecycles.get(customer_id, active)
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
            decided = _as_tuple(governor.decide(request, rules))
        else:
            # The governor is a pure function: without history or holds, the answer is the
            # same for every customer of a lifecycle.
            decided = plain.get(lifecycle)
            if decided is None:
                request = governor.SendRequest(
                    purpose=purpose, at=at, lifecycle=lifecycle, time_zone=time_zone
                )
                decided = plain[lifecycle] = _as_tuple(governor.decide(request, rules))
        append(BulkDecision(customer_id, *decided))
    return decisions


def _as_tuple(decision: governor.Decision) -> tuple:
    params = decision.as_record()["params"]
    outcome, rule = str(decision.outcome.value), str(decision.rule.value)
    return (outcome, rule, params, decision.send_at, decision.time_zone)
