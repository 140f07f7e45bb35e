"""Queueing a message: address, suppression list, consent and the governor decide, and every
decision is recorded with its rule (``SendDecision``), whatever the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import ConsentChannel, Customer, CustomerStatus
from stammkunde.customers.queries import current_consents
from stammkunde.messaging import governor, ledger
from stammkunde.messaging.governor_terms import Outcome, Purpose
from stammkunde.messaging.models import (
    DecisionRule,
    MessageState,
    OutboundMessage,
    SendDecision,
    Suppression,
)
from stammkunde.messaging.models.suppression import MARKETING_ONLY_REASONS, SuppressionReason
from stammkunde.shop.models import Order
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.services import record_activity

# Legal bases a message is sent on (OutboundMessage.legal_basis).
TRANSACTIONAL = "transactional"
CONSENT = "consent"
EXISTING_CUSTOMER = "existing_customer"
# Purposes the UWG §7(3) exception may cover: advertising for the shop's own similar goods
# (a feedback request counts as advertising, BGH VI ZR 225/17). Never the newsletter.
EXCEPTION_PURPOSES = frozenset({Purpose.FEEDBACK, Purpose.RECOMMENDATION})


class MessagingError(ValueError):
    """A message that cannot be queued as asked (a programming error, not a held-back one)."""


@dataclass(frozen=True)
class Queued:
    """What became of a message: ``message`` is None when it was held back."""

    message: OutboundMessage | None
    decision: SendDecision

    @property
    def held_back(self) -> bool:
        return self.message is None


@dataclass(frozen=True)
class _Check:
    outcome: Outcome
    rule: str
    params: dict
    send_at: datetime | None = None
    time_zone: str = ""
    legal_basis: str = ""


def new_message_id() -> str:
    """A fresh Message-ID in the installation's mail domain; assigned once, when queued."""
    return make_msgid(domain=settings.MAIL_DOMAIN)


def queue_message(
    *,
    customer: Customer | None,
    to_address: str,
    purpose: str,
    idempotency_key: str,
    subject: str,
    text: str,
    html: str = "",
    from_name: str,
    from_address: str,
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    source_type: str,
    source_id: str | int,
    not_before: datetime | None = None,
    order_id: str | int | None = None,
    by: Any | None = None,
) -> Queued:
    """Decide on one message and, unless held back, put it in the outbox for the worker.

    Idempotent on ``idempotency_key``: a second call returns the first call's result. The
    message is held back (``Queued.message`` None, the decision says why) when the address is
    missing, invalid or suppressed, when a non-transactional purpose lacks consent, or when the
    governor suppresses it; a governor delay queues it as ``held`` until the time it names.
    """
    try:
        purpose = Purpose(purpose)
    except ValueError:
        raise MessagingError(f"unknown purpose {purpose!r}") from None
    if not idempotency_key:
        raise MessagingError("a message needs an idempotency key")
    earlier = _earlier_result(idempotency_key)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _queue(
                customer=customer,
                to_address=to_address,
                purpose=purpose,
                idempotency_key=idempotency_key,
                subject=subject,
                text=text,
                html=html,
                from_name=from_name,
                from_address=from_address,
                reply_to=reply_to,
                headers=headers,
                in_reply_to=in_reply_to,
                references=references,
                source_type=source_type,
                source_id=str(source_id),
                not_before=not_before,
                order_id="" if order_id is None else str(order_id),
            )
    except IntegrityError:
        # A concurrent call with the same key won the race: its result is ours.
        earlier = _earlier_result(idempotency_key)
        if earlier is None:
            raise
        return earlier


def _earlier_result(idempotency_key: str) -> Queued | None:
    # The key is unique: no ORDER BY needed (first() would add one on the primary key).
    found = list(
        SendDecision.objects.filter(idempotency_key=idempotency_key).select_related("message")[:1]
    )
    if not found:
        return None
    decision = found[0]
    return Queued(message=decision.message, decision=decision)


def _queue(
    *,
    customer: Customer | None,
    to_address: str,
    purpose: Purpose,
    idempotency_key: str,
    subject: str,
    text: str,
    html: str,
    from_name: str,
    from_address: str,
    reply_to: str,
    headers: dict[str, str] | None,
    in_reply_to: str,
    references: Sequence[str],
    source_type: str,
    source_id: str,
    not_before: datetime | None,
    order_id: str,
) -> Queued:
    now = timezone.now()
    at = max(now, not_before) if not_before else now
    if customer is not None and connection.features.has_select_for_update:
        # One decision per customer at a time: two messages decided side by side would both
        # see the other's slot as free. SQLite needs no row lock (and has none): its write
        # transactions begin IMMEDIATE, so deciders run one after the other anyway.
        list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk"))
    address = normalize_email(to_address) or ""
    check = _check_before_governor(customer, address, purpose)
    if check is None and _order_kept_after_erasure(order_id):
        # The order is kept after an erasure only as an accounting voucher (Art. 18 GDPR: a
        # shop's redact detached it from the person, or the person was erased): no message
        # about it goes to anybody, whatever address the caller found on it.
        check = _Check(
            outcome=Outcome.SUPPRESS,
            rule=DecisionRule.RESTRICTED,
            params={"reason": "Art. 18 GDPR: order kept after an erasure"},
        )
    if check is None:
        # Transactional mail is never held back by the governor: its ledger need not be read.
        ledger_customer = None if purpose == Purpose.TRANSACTIONAL else customer and customer.pk
        decision = governor.decide(
            ledger.send_request(ledger_customer, purpose, at, order_id or None),
            ledger.governor_settings(),
        )
        check = _Check(
            outcome=decision.outcome,
            rule=str(decision.rule),
            params=decision.as_record()["params"],
            send_at=decision.send_at,
            time_zone=decision.time_zone,
            legal_basis=_legal_basis(customer, purpose),
        )
    message = None
    if check.outcome != Outcome.SUPPRESS:
        message = OutboundMessage.objects.create(
            idempotency_key=idempotency_key,
            customer=customer,
            to_address=address,
            purpose=purpose,
            state=MessageState.QUEUED if check.outcome == Outcome.SEND else MessageState.HELD,
            subject=subject[:300],
            text_body=text,
            html_body=html,
            from_name=from_name,
            from_address=from_address,
            reply_to=reply_to,
            headers=dict(headers or {}),
            message_id=new_message_id(),
            in_reply_to=in_reply_to,
            references=" ".join(references),
            source_type=source_type,
            source_id=source_id,
            order_id=order_id,
            legal_basis=check.legal_basis,
            next_attempt_at=check.send_at or at,
        )
    decision_row = SendDecision.objects.create(
        customer=customer,
        purpose=purpose,
        outcome=check.outcome,
        rule=check.rule,
        params=check.params,
        time_zone=check.time_zone,
        decided_at=now,
        send_at=check.send_at,
        message=message,
        idempotency_key=idempotency_key,
        subject=subject[:300],
        source_type=source_type,
        source_id=source_id,
    )
    if message is None and customer is not None:
        record_held_back(decision_row)
    if message is not None:
        from stammkunde.messaging.services.sending import enqueue_sending

        enqueue_sending()
    return Queued(message=message, decision=decision_row)


def record_held_back(decision: SendDecision) -> None:
    """The timeline entry of a held-back message (rule as a token, rendered when shown; a
    restriction of processing with the reason staff gave)."""
    params = {"message": decision.subject, "rule": decision.rule}
    if decision.rule == DecisionRule.RESTRICTED and (decision.params or {}).get("reason"):
        params["reason"] = decision.params["reason"]
    record_activity(
        customer_id=decision.customer_id,
        kind=ActivityKind.MESSAGE_HELD_BACK,
        params=params,
        occurred_at=decision.decided_at,
        actor_label="messaging",
        subject=decision,
    )


def _order_kept_after_erasure(order_id: str) -> bool:
    """Whether the order a message is about (its id as text) is kept after an erasure:
    detached from the person by a shop's redact, or of an erased customer."""
    if not order_id or not str(order_id).isdigit():
        return False
    return (
        Order.objects.filter(pk=int(order_id))
        .filter(Q(detached_from_id__isnull=False) | Q(customer__status=CustomerStatus.ERASED))
        .exists()
    )


def _check_before_governor(
    customer: Customer | None, address: str, purpose: Purpose
) -> _Check | None:
    """Address, suppression list and consent: a held-back check, or None to ask the governor."""

    def held(rule: str, **params: Any) -> _Check:
        return _Check(outcome=Outcome.SUPPRESS, rule=rule, params=params)

    if customer is not None and customer.status == CustomerStatus.ERASED:
        # Erased (Art. 17 GDPR), what is kept is restricted (Art. 18): no message of any kind,
        # whatever address the caller names. The erased customer has no address of their own.
        return held(DecisionRule.NO_ADDRESS, restricted="erased")
    if (
        customer is not None
        and customer.processing_restricted_at is not None
        and purpose != Purpose.TRANSACTIONAL
    ):
        # Restricted by staff (Art. 18 GDPR): the data is kept, but only what the law or the
        # contract needs is sent; the reason goes into the decision and the timeline.
        return held(
            DecisionRule.RESTRICTED,
            reason=customer.processing_restriction_reason or "Art. 18 GDPR",
        )
    if not address:
        return held(DecisionRule.NO_ADDRESS)
    try:
        validate_email(address)
    except ValidationError:
        return held(DecisionRule.INVALID_ADDRESS)
    suppression = Suppression.objects.filter(address=address).only("reason").first()
    if suppression is not None:
        marketing_only = suppression.reason in MARKETING_ONLY_REASONS
        if purpose != Purpose.TRANSACTIONAL or not marketing_only:
            rule = (
                DecisionRule.UNSUBSCRIBED
                if suppression.reason == SuppressionReason.UNSUBSCRIBED_ALL
                else DecisionRule.BOUNCED
            )
            return held(rule, reason=suppression.reason)
    if purpose != Purpose.TRANSACTIONAL and not _legal_basis(customer, purpose):
        return held(DecisionRule.NO_CONSENT, purpose=str(purpose))
    return None


def _legal_basis(customer: Customer | None, purpose: Purpose) -> str:
    """Why this customer may get this purpose by e-mail: consent, the UWG §7(3) exception, or
    nothing (""). Transactional mail needs none."""
    if purpose == Purpose.TRANSACTIONAL:
        return TRANSACTIONAL
    if customer is None:
        return ""
    states = {
        state.purpose: state
        for state in current_consents(customer.pk)
        if state.channel == ConsentChannel.EMAIL
    }
    state = states.get(str(purpose))
    if state is not None and state.granted:
        return CONSENT
    if state is not None and not state.granted:
        # An objection (or withdrawal) ends the existing-customer exception too.
        return ""
    if settings.MESSAGING_EXISTING_CUSTOMER_EXCEPTION and purpose in EXCEPTION_PURPOSES:
        from stammkunde.shop.models import Order

        if Order.objects.filter(customer_id=customer.pk).exists():
            return EXISTING_CUSTOMER
    return ""
