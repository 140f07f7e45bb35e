"""Reads of messaging's tables for views, the service desk and the worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.compiled import ID, CompiledRead
from stammkunde.core.scoping import customer_scope, in_customer_scope, shop_limit
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import record_list_view
from stammkunde.messaging import governor
from stammkunde.messaging.governor_terms import Rule
from stammkunde.messaging.models import DecisionRule, OutboundMessage, SendDecision, Suppression
from stammkunde.timeline.visibility import subjects_of_shops


def message_by_message_id(message_id: str) -> OutboundMessage | None:
    """The outbound message with this Message-ID (with or without angle brackets), or None.

    The service desk threads replies and matches bounces with it.
    """
    value = (message_id or "").strip()
    if not value:
        return None
    if not value.startswith("<"):
        value = f"<{value}>"
    return OutboundMessage.objects.filter(message_id=value).first()


def messages_by_message_id(message_ids: Sequence[str]) -> dict[str, OutboundMessage]:
    """The outbound messages with these Message-IDs (with or without angle brackets), keyed
    by the Message-ID as given; one query for all (intake threads a reply by its References)."""
    wanted: dict[str, str] = {}
    for given in message_ids:
        value = (given or "").strip()
        if value:
            wanted[given] = value if value.startswith("<") else f"<{value}>"
    if not wanted:
        return {}
    found = {
        message.message_id: message
        for message in OutboundMessage.objects.filter(message_id__in=set(wanted.values()))
    }
    return {given: found[value] for given, value in wanted.items() if value in found}


# --- staff reads (audited: the acting user is ``by``; lists name the customers shown) --------

OUTBOX_PAGE = 50


def outbox_page(*, by: Any, state: str = "", offset: int = 0) -> list[OutboundMessage]:
    """One page of the outbox, newest first, optionally in one state (+1 row: a next page).
    Staff limited to shops see only messages to their shops' customers (messages to no
    customer, such as test sends, are not theirs either)."""
    rows = _in_scope(OutboundMessage.objects.select_related("customer"), by).order_by(
        "-created_at", "-id"
    )
    if state:
        rows = rows.filter(state=state)
    page = list(rows[offset : offset + OUTBOX_PAGE + 1])
    record_list_view(
        [message.customer_id for message in page[:OUTBOX_PAGE] if message.customer_id],
        by=by,
        detail="outbox",
    )
    return page


def _in_scope(messages: QuerySet[OutboundMessage], by: Any) -> QuerySet[OutboundMessage]:
    """``messages`` without those ``by`` may not see: to a customer outside their shops (or
    to no customer), or about another shop's matter only (an order of another shop, a reply
    in a case about other shops only: the timeline's rules, ``subjects_of_shops``)."""
    messages = in_customer_scope(messages, by, field="customer_id")
    return subjects_of_shops(messages, OutboundMessage._meta.label_lower, shop_limit(by))


def may_resolve_message(pk: int, *, by: Any) -> bool:
    """Whether ``by`` may decide on outbox message ``pk`` as far as shops go: staff limited
    to shops decide only on messages to their shops' customers. A refusal leaves a REFUSE row
    and is answered as "no such message" by the caller; an unknown id is for the service to
    answer."""
    message = OutboundMessage.objects.filter(pk=pk)
    if not message.exists() or _in_scope(message, by).exists():
        return True
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type="messaging.outboundmessage",
        object_id=pk,
        detail="outside the staff member's shops: resolve",
    )
    return False


def outbox_counts(*, by: Any = None) -> dict[str, int]:
    """How many messages are in each state (for the filter tabs; no personal data), counted
    over the messages ``by`` may see."""
    rows = _in_scope(OutboundMessage.objects.all(), by)
    return dict(rows.values_list("state").annotate(count=Count("id")).order_by())


def suppressions_in_scope(rows: QuerySet[Suppression], by: Any) -> QuerySet[Suppression]:
    """``rows`` without the addresses ``by`` may not see. An entry has no shop: staff limited
    to shops see an address when it is the e-mail of a customer of their shops, or the entry
    came from a message to one; an address of no known customer may be anyone's, so it is
    not theirs to see."""
    rule = customer_scope(by)
    if rule is None:
        return rows
    visible = Customer.objects.filter(rule)
    return rows.filter(
        Q(address__in=visible.exclude(email=None).values("email"))
        | Q(message__customer_id__in=visible.values("pk"))
    )


def suppression_page(*, by: Any, offset: int = 0, search: str = "") -> list[Suppression]:
    """One page of the suppression list, newest first (+1 row: a next page), limited to the
    addresses ``by`` may see (``suppressions_in_scope``). Audited."""
    rows = suppressions_in_scope(Suppression.objects.all(), by).order_by("-created_at", "-id")
    if search:
        rows = rows.filter(address__contains=search.strip().lower())
    page = list(rows[offset : offset + OUTBOX_PAGE + 1])
    shown = page[:OUTBOX_PAGE]
    # The row names the customers whose addresses were shown (an address is a customer's
    # e-mail or came from a message to them), so each customer's trail finds the list.
    addresses = [row.address for row in shown]
    messages = [row.message_id for row in shown if row.message_id]
    customers = set(
        Customer.objects.filter(email__in=addresses).values_list("pk", flat=True)
    ) | set(
        OutboundMessage.objects.filter(pk__in=messages)
        .exclude(customer_id=None)
        .values_list("customer_id", flat=True)
    )
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="messaging.suppression",
        customer_ids=customers,
        detail=f"suppression list ({len(shown)} addresses)",
    )
    return page


@dataclass(frozen=True)
class DecisionLine:
    """One decision on the customer page: what, when, the outcome and why, in words."""

    decision: SendDecision
    reason: str
    state: str


# The customer page's panel, compiled once (core/compiled.py); at most DECISIONS_READ rows,
# the caller's limit taken from them.
DECISIONS_READ = 20
_LATEST_DECISIONS = CompiledRead(
    lambda customer_id: (
        SendDecision.objects.filter(customer_id=customer_id)
        .select_related("message")
        .order_by("-decided_at", "-id")[:DECISIONS_READ]
    ),
    customer_id=ID,
)


def customer_decisions(
    customer_id: int, *, by: Any, limit: int = 20, audited: bool = True
) -> list[DecisionLine]:
    """The customer's latest decisions, each with its reason in the reader's language and the
    message's state now ("which were sent, which held back, why"). Audited, unless the page
    showing them audits its read already (``audited=False``: the 360 page's panel)."""
    if limit <= DECISIONS_READ:
        decisions = _LATEST_DECISIONS.fetch(customer_id=customer_id)[:limit]
    else:
        decisions = list(
            SendDecision.objects.filter(customer_id=customer_id)
            .select_related("message")
            .order_by("-decided_at", "-id")[:limit]
        )
    if audited:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="messaging.senddecision",
            object_id=customer_id,
            customer_id=customer_id,
            detail="messages",
        )
    return [
        DecisionLine(
            decision, decision_reason(decision), decision.message.state if decision.message else ""
        )
        for decision in decisions
    ]


def decision_reason(decision: SendDecision) -> str:
    """The decision's reason in the active language (the governor's text for its rules)."""
    if decision.rule in Rule.values:
        record = {
            "outcome": decision.outcome,
            "rule": decision.rule,
            "send_at": decision.send_at.isoformat() if decision.send_at else None,
            "params": decision.params,
            "time_zone": decision.time_zone,
        }
        try:
            return governor.Decision.from_record(record).reason
        except (KeyError, ValueError, TypeError):
            pass  # a rule text whose params changed: fall back to the rule's name
    return (
        str(DecisionRule(decision.rule).label)
        if decision.rule in DecisionRule.values
        else decision.rule
    )
