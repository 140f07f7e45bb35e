"""Messaging's part of a GDPR export and erasure: the messages sent or held back, the
governor's decisions with their reasons, contact holds, and suppression list entries.

Erasure cancels what is still waiting to go out, blanks the addresses, subjects and bodies of
the messages and decisions (the rows stay, for counts) and deletes the contact holds. Sent
messages that are business letters (``messaging.letters``: transactional mails that went out,
not marketing) are kept whole for six years from the end of the calendar year, processing
restricted, and blanked by the daily privacy job when their own period ends (the duty
``messaging``/``letters``). A suppression entry is kept: it is how an objection or a bouncing
address stays honoured.

A shop's part alone (its redact request, ``request.shop_id``) erases the messages about that
shop's matters (``messages_of``): about one of its orders (``order_id``), or from a source a
higher app names as the shop's (``register_shop_sources``: the desk's replies and
acknowledgements in the shop's cases). Waiting ones are cancelled, sent letters within their
six years kept (the duty names them), the rest blanked. Messages about no shop's matter
(newsletters, consent mails, the person's own cases) and the holds, decisions and
suppression entries are the person's and stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from stammkunde.core.gdpr import BUSINESS_LETTERS, ErasureCheck, ErasureRequest, RetentionDuty
from stammkunde.customers.models import Customer
from stammkunde.messaging import letters
from stammkunde.messaging.drehbuch_gdpr import erase_trigger_runs, export_trigger_runs
from stammkunde.messaging.models import ContactHold, OutboundMessage, SendDecision, Suppression
from stammkunde.messaging.models.outbox import DUE_STATES, MessageState
from stammkunde.messaging.queries import decision_reason
from stammkunde.shop.models import Order

# source type -> fn(customer_id, shop_id) giving the ids of that shop's sources of this type.
ShopSources = Callable[[int, int], Iterable[int]]
_shop_sources: dict[str, ShopSources] = {}


def register_shop_sources(source_type: str, fn: ShopSources) -> None:
    """Name ``fn`` as what says which sources of ``source_type`` (a case, for the desk) are a
    shop's matter; registering again replaces (``ready()`` may run twice in tests)."""
    _shop_sources[source_type] = fn


def messages_of(customer_id: int, shop_id: int | None = None) -> QuerySet[OutboundMessage]:
    """The customer's messages; with ``shop_id``, those about that shop's matters: one of its
    orders (also one kept detached from the person), or a source registered as the shop's."""
    messages = OutboundMessage.objects.filter(customer_id=customer_id)
    if shop_id is None:
        return messages
    orders = Order.objects.filter(
        Q(customer_id=customer_id) | Q(detached_from_id=customer_id), shop_id=shop_id
    ).values_list("pk", flat=True)
    about = Q(order_id__in=[str(pk) for pk in orders])
    for source_type, fn in _shop_sources.items():
        ids = [str(pk) for pk in fn(customer_id, shop_id)]
        if ids:
            about |= Q(source_type=source_type, source_id__in=ids)
    return messages.filter(about)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_messaging(customer_id: int) -> dict[str, Any]:
    """Every message, every decision with its reason, the holds and the suppression entry."""
    email = Customer.objects.filter(pk=customer_id).values_list("email", flat=True).first()
    return {
        "messages": [
            {
                "to": message.to_address,
                "subject": message.subject,
                "purpose": message.purpose,
                "state": message.state,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
                "message_id": message.message_id,
                "text": message.text_body,
            }
            for message in OutboundMessage.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "send_decisions": [
            {
                "subject": decision.subject,
                "purpose": decision.purpose,
                "outcome": decision.outcome,
                "rule": decision.rule,
                "reason": decision_reason(decision),
                "decided_at": _iso(decision.decided_at),
            }
            for decision in SendDecision.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "contact_holds": [
            {
                "kind": hold.kind,
                "reference": hold.reference,
                "since": _iso(hold.since),
                "until": _iso(hold.until),
            }
            for hold in ContactHold.objects.filter(customer_id=customer_id).order_by("id")
        ],
        "suppression": [
            {"address": entry.address, "reason": entry.reason, "added": _iso(entry.created_at)}
            for entry in Suppression.objects.filter(address=email or "")
        ],
        "trigger_runs": export_trigger_runs(customer_id),
    }


def _letter_ends(customer_id: int, shop_id: int | None = None) -> list[tuple[int, date]]:
    """Each business letter sent to the customer (about ``shop_id``'s matters, given one):
    (message id, kept until)."""
    rows = messages_of(customer_id, shop_id).values_list(
        "pk", "purpose", "source_type", "state", "sent_at", "created_at"
    )
    return [
        (pk, letters.kept_until(sent_at or created_at))
        for pk, purpose, source_type, state, sent_at, created_at in rows
        if letters.is_business_letter(purpose, source_type, state)
    ]


def check_messaging_erasure(
    customer_id: int, today: date, shop_id: int | None = None
) -> ErasureCheck:
    """Sent business letters within their period are kept (one duty: how many, the first and
    the last end); nothing in messaging defers an erasure (waiting mail is cancelled). A shop's
    part alone: the letters about that shop's matters."""
    ends = [until for _, until in _letter_ends(customer_id, shop_id) if until >= today]
    if not ends:
        return ErasureCheck()
    years, basis = BUSINESS_LETTERS
    return ErasureCheck(
        duties=(
            RetentionDuty("messaging", "letters", basis, years, max(ends), len(ends), min(ends)),
        )
    )


def _erase_messages(request: ErasureRequest, messages: QuerySet[OutboundMessage]) -> dict[str, int]:
    """Cancel the waiting ``messages`` and blank the others but for the letters kept."""
    cancelled = messages.filter(state__in=DUE_STATES).update(
        state=MessageState.CANCELLED, error="cancelled: the customer's data was erased"
    )
    # After the cancelling: a message that never went out is no letter.
    kept: list[int] = []
    if request.keeps("messaging", "letters") is not None:
        today = request.today or timezone.localdate()
        kept = [
            pk for pk, until in _letter_ends(request.customer_id, request.shop_id) if until >= today
        ]
    blanked = (
        messages.exclude(pk__in=kept)
        .exclude(to_address="", subject="", text_body="", html_body="")
        .update(to_address="", subject="", text_body="", html_body="", headers={}, reply_to="")
    )
    return {"messages_cancelled": cancelled, "messages_blanked": blanked, "letters_kept": len(kept)}


def erase_shop_messages(request: ErasureRequest) -> dict[str, int]:
    """A shop's part alone: its messages (``messages_of``) cancelled or blanked, its letters
    within their period kept. The desk calls it before it deletes the shop's cases (they name
    the messages); the registered handler again for those about the shop's orders."""
    if request.shop_id is None:
        return {}
    messages = messages_of(request.customer_id, request.shop_id)
    counts = _erase_messages(request, messages)
    counts["decisions_blanked"] = (
        SendDecision.objects.filter(message__in=messages).exclude(subject="").update(subject="")
    )
    return {f"outbox_{key}": value for key, value in counts.items()}


def erase_messaging(request: ErasureRequest) -> dict[str, int]:
    """Cancel waiting messages, blank what identifies the person (but for the business letters
    under a retention duty), drop the holds. A shop's part alone (``request.shop_id``) erases
    the messages about that shop's matters only (``erase_shop_messages``): the other messages,
    holds and decisions are the person's, not a shop's."""
    if request.shop_id is not None:
        return erase_shop_messages(request)
    counts = _erase_messages(
        request, OutboundMessage.objects.filter(customer_id=request.customer_id)
    )
    decisions = SendDecision.objects.filter(customer_id=request.customer_id).update(subject="")
    holds, _ = ContactHold.objects.filter(customer_id=request.customer_id).delete()
    return {
        **counts,
        "decisions_blanked": decisions,
        "contact_holds_deleted": holds,
        **erase_trigger_runs(request.customer_id),
    }
