"""GDPR export (Art. 15/20) and erasure (Art. 17) of one customer, across every app.

Both walk the registry of ``core.gdpr``: each app contributes its part of the export, its
obstacles and retention duties, and its erasure. An erasure with an obstacle (an open order, an
unprocessed delivery, an open case) is deferred and tried again daily; one with records the
law requires kept (orders 8 years, business letters 6, from the end of the calendar year) erases
everything else, keeps those with processing restricted (Art. 18: the customer is ``erased``,
so no list, segment or message reaches them) and finishes when the retention ends. Every
request leaves a ``PrivacyRequest`` record and an audit row; the consent ledger and the audit
trail are never erased.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.events import publish
from stammkunde.core.gdpr import (
    ErasureCheck,
    ErasureRequest,
    RetentionDuty,
    erasure_checks,
    erasure_handlers,
    export_handlers,
)
from stammkunde.core.scoping import shop_limit, shops_of_customer
from stammkunde.customers.events import CustomerErased
from stammkunde.customers.matching import resolve_merged
from stammkunde.customers.models import (
    Customer,
    CustomerStatus,
    PrivacyRequest,
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from stammkunde.customers.queries import may_see_customer

EXPORT_FORMAT = "stammkunde-gdpr-export/1"


class PrivacyError(ValueError):
    """A privacy request that cannot be taken (no such customer)."""


def _actor_label(by: Any) -> str:
    if getattr(by, "is_authenticated", False):
        return by.get_username()
    return str(by) if by else "system"


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _new_request(
    kind: str, customer_id: int, *, by: Any, channel: str, reference: str = "", **fields: Any
) -> PrivacyRequest:
    """The record of a privacy request with who asked (the user, or a label for the system and
    the API), its reference cut to the column; ``fields`` give its state and dates."""
    return PrivacyRequest.objects.create(
        kind=kind,
        customer_id=customer_id,
        channel=channel,
        reference=reference[:200],
        requested_by=_user(by),
        requested_by_label=_actor_label(by)[:150],
        **fields,
    )


def _customer_id(customer_id: int, *, by: Any = None) -> int:
    surviving = resolve_merged(customer_id)
    if not Customer.objects.filter(pk=surviving).exists():
        raise PrivacyError(f"There is no customer with id {customer_id}.")
    # Staff limited to shops: another shop's customer does not exist for them (REFUSE row).
    if by is not None and not may_see_customer(surviving, by=by, detail="privacy"):
        raise PrivacyError(f"There is no customer with id {customer_id}.")
    # The export and the erasure are of the whole person, across shops: staff limited to shops
    # run them only for customers of none but their shops, else another shop's orders and
    # timeline would go out, or be erased, by someone who may not see them (REFUSE row).
    limit = shop_limit(by)
    if limit is not None and not shops_of_customer(surviving) <= limit:
        audit(
            actor=by,
            action=AuditAction.REFUSE,
            object_type="customers.customer",
            object_id=surviving,
            detail="privacy: the customer belongs to shops outside the staff member's",
        )
        raise PrivacyError(
            f"Customer {customer_id} belongs to other shops too: staff of all shops answer."
        )
    return surviving


def export_customer_data(
    customer_id: int,
    *,
    by: Any,
    channel: str = PrivacyRequestChannel.STAFF,
    reference: str = "",
) -> dict[str, Any]:
    """Everything held about one customer, by app, as plain JSON values (the audit trail with
    this very export in it). Audited and recorded as a privacy request."""
    customer_id = _customer_id(customer_id, by=by)
    with transaction.atomic():
        record = _new_request(
            PrivacyRequestKind.EXPORT,
            customer_id,
            by=by,
            channel=channel,
            reference=reference,
            state=PrivacyRequestState.DONE,
            decided_at=timezone.now(),
            finished_at=timezone.now(),
        )
        audit(
            actor=by,
            action=AuditAction.EXPORT,
            obj=record,
            customer_id=customer_id,
            detail=f"GDPR export ({channel})",
        )
        sections = {label: fn(customer_id) for label, fn in export_handlers().items()}
        record.summary = {
            label: {
                key: len(value) if isinstance(value, list | dict) else 1
                for key, value in part.items()
            }
            for label, part in sections.items()
        }
        record.save(update_fields=["summary"])
    return {
        "format": EXPORT_FORMAT,
        "customer_id": customer_id,
        "exported_at": record.finished_at.isoformat(),
        "request_id": record.pk,
        "data": sections,
    }


def erasure_check(customer_id: int, today: date | None = None) -> ErasureCheck:
    """What every app says before erasing this customer: obstacles and retention duties."""
    today = today or timezone.localdate()
    obstacles: list = []
    duties: list = []
    for fn in erasure_checks().values():
        check = fn(customer_id, today)
        obstacles.extend(check.obstacles)
        duties.extend(duty for duty in check.duties if duty.until >= today)
    return ErasureCheck(obstacles=tuple(obstacles), duties=tuple(duties))


def request_erasure(
    customer_id: int,
    *,
    by: Any,
    channel: str = PrivacyRequestChannel.STAFF,
    reference: str = "",
    today: date | None = None,
) -> PrivacyRequest:
    """Erase a customer's personal data now, or record why it must wait (deferred).

    Returns the request's record: ``deferred`` with its obstacles, ``restricted`` with the
    retention duties and the date processing stays restricted until, or ``done``.
    """
    customer_id = _customer_id(customer_id, by=by)
    with transaction.atomic():
        record = _new_request(
            PrivacyRequestKind.ERASURE,
            customer_id,
            by=by,
            channel=channel,
            reference=reference,
            state=PrivacyRequestState.DEFERRED,
        )
        _decide(record, by=by, today=today)
    return record


def _decide(record: PrivacyRequest, *, by: Any, today: date | None) -> None:
    check = erasure_check(record.customer_id, today)
    if check.obstacles:
        record.state = PrivacyRequestState.DEFERRED
        record.obstacles = [asdict(obstacle) for obstacle in check.obstacles]
        record.duties = [_duty(duty) for duty in check.duties]
        record.save(update_fields=["state", "obstacles", "duties"])
        audit(
            actor=by,
            action=AuditAction.ERASE,
            obj=record,
            customer_id=record.customer_id,
            detail=f"erasure deferred: {', '.join(o.reason for o in check.obstacles)}",
        )
        return
    _carry_out(record, check.duties, by=by, today=today)


def _duty(duty: RetentionDuty) -> dict[str, Any]:
    first = duty.first_until.isoformat() if duty.first_until else None
    return {**asdict(duty), "until": duty.until.isoformat(), "first_until": first}


def _review_due(restricted_until: date | None, duties: list[dict[str, Any]], today: date) -> bool:
    """Whether a restricted erasure has records whose period ended: the last one's
    (``restricted_until``) or any kept record's own (a duty's ``first_until``)."""
    if restricted_until is not None and restricted_until < today:
        return True
    # A request restricted before duties named their first end is looked at once again.
    return any(
        "first_until" not in duty
        or (duty["first_until"] and date.fromisoformat(duty["first_until"]) < today)
        for duty in duties or ()
    )


def _carry_out(
    record: PrivacyRequest,
    duties: tuple[RetentionDuty, ...],
    *,
    by: Any,
    today: date | None = None,
) -> None:
    request = ErasureRequest(
        customer_id=record.customer_id, request_id=record.pk, keep=duties, by=by, today=today
    )
    # From the top of the layer order down: a higher app may still need the e-mail address
    # or the shop accounts to find its part.
    summary = {label: fn(request) for label, fn in reversed(list(erasure_handlers().items()))}
    now = timezone.now()
    record.summary = summary
    record.obstacles = []
    record.duties = [_duty(duty) for duty in duties]
    record.restricted_until = max((duty.until for duty in duties), default=None)
    record.state = PrivacyRequestState.RESTRICTED if duties else PrivacyRequestState.DONE
    record.decided_at = record.decided_at or now
    record.finished_at = None if duties else now
    record.save()
    publish(
        CustomerErased(
            customer_id=record.customer_id, privacy_request_id=record.pk, occurred_at=now
        )
    )
    audit(
        actor=by,
        action=AuditAction.ERASE,
        obj=record,
        customer_id=record.customer_id,
        detail=(
            f"erased; kept until {record.restricted_until.isoformat()}" if duties else "erased"
        ),
    )


def retry_deferred_erasures(*, today: date | None = None) -> int:
    """Try every deferred erasure again (the daily job); returns how many went through."""
    done = 0
    for record in PrivacyRequest.objects.filter(
        kind=PrivacyRequestKind.ERASURE, state=PrivacyRequestState.DEFERRED
    ).order_by("id"):
        with transaction.atomic():
            locked = PrivacyRequest.objects.select_for_update().get(pk=record.pk)
            if locked.state != PrivacyRequestState.DEFERRED:
                continue
            _decide(locked, by=None, today=today)
            done += locked.state != PrivacyRequestState.DEFERRED
    return done


def finish_expired_restrictions(*, today: date | None = None) -> int:
    """Erase the records kept for a retention period that has ended (the daily job): each
    kept record when its own period ends (an order of 2019 on 1 January 2028, though one of
    2026 keeps the request restricted until the end of 2034); a request with duties left stays
    restricted until the latest. Returns how many finished."""
    today = today or timezone.localdate()
    finished = 0
    restricted = PrivacyRequest.objects.filter(
        kind=PrivacyRequestKind.ERASURE, state=PrivacyRequestState.RESTRICTED
    ).order_by("id")
    due = [
        pk
        for pk, until, duties in restricted.values_list("pk", "restricted_until", "duties")
        if _review_due(until, duties, today)
    ]
    for pk in due:
        with transaction.atomic():
            locked = PrivacyRequest.objects.select_for_update().get(pk=pk)
            if locked.state != PrivacyRequestState.RESTRICTED:
                continue
            duties = erasure_check(locked.customer_id, today).duties
            _carry_out(locked, duties, by=None, today=today)
            finished += locked.state == PrivacyRequestState.DONE
    return finished


def is_processing_restricted(customer: Customer) -> bool:
    """Whether the customer may be processed only as the law requires (erased, or restricted
    by staff under Art. 18): no marketing, no scoring, no segments or exports."""
    return customer.status == CustomerStatus.ERASED or customer.processing_restricted_at is not None


MAX_RESTRICTION_REASON = 300


class RestrictionRefused(PrivacyError):
    """A restriction without a reason, or of a customer that is not active."""


def restrict_processing(customer_id: int, *, by: Any, reason: str) -> Customer:
    """Restrict the processing of a customer's data (Art. 18 GDPR: the customer contests its
    accuracy, objected, or needs it kept for a legal claim): the data stays, but messaging
    holds every non-transactional message with ``reason``, scoring drops their scores and
    segments and exports leave them out, until ``lift_restriction``. Audited."""
    # Outside the transaction: a refusal (another shop's customer) keeps its REFUSE row.
    pk = _customer_id(customer_id, by=by)
    reason = " ".join(reason.split())[:MAX_RESTRICTION_REASON]
    if not reason:
        raise RestrictionRefused("Give the reason for the restriction.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pk)
        if customer.status != CustomerStatus.ACTIVE:
            raise RestrictionRefused("Only an active customer can be restricted.")
        customer.processing_restricted_at = customer.processing_restricted_at or timezone.now()
        customer.processing_restriction_reason = reason
        customer.save(update_fields=["processing_restricted_at", "processing_restriction_reason"])
        audit(
            actor=by,
            action=AuditAction.CHANGE,
            obj=customer,
            customer_id=customer.pk,
            fields=["processing_restricted_at", "processing_restriction_reason"],
            detail="processing restricted (Art. 18 GDPR)",
        )
        _record_restriction(customer, restricted=True, reason=reason, by=by)
    return customer


def _record_restriction(customer: Customer, *, restricted: bool, reason: str, by: Any) -> None:
    """The privacy request (kind restriction, done at once) and the timeline entry of setting
    or lifting a restriction, in the caller's transaction."""
    from stammkunde.customers.services.privacy_records import record_restriction_change

    now = timezone.now()
    _new_request(
        PrivacyRequestKind.RESTRICTION,
        customer.pk,
        by=by,
        channel=PrivacyRequestChannel.STAFF,
        state=PrivacyRequestState.DONE,
        summary={"action": "restricted" if restricted else "lifted"},
        decided_at=now,
        finished_at=now,
    )
    record_restriction_change(customer, restricted=restricted, reason=reason, by=by)


def lift_restriction(customer_id: int, *, by: Any) -> Customer:
    """End a restriction of processing set by ``restrict_processing`` (the reason is gone, or
    the customer agreed); the customer is processed as before. Audited; lifting a customer
    that is not restricted changes nothing and writes nothing."""
    pk = _customer_id(customer_id, by=by)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pk)
        if customer.processing_restricted_at is None:
            return customer
        customer.processing_restricted_at = None
        customer.processing_restriction_reason = ""
        customer.save(update_fields=["processing_restricted_at", "processing_restriction_reason"])
        audit(
            actor=by,
            action=AuditAction.CHANGE,
            obj=customer,
            customer_id=customer.pk,
            fields=["processing_restricted_at", "processing_restriction_reason"],
            detail="restriction of processing lifted",
        )
        _record_restriction(customer, restricted=False, reason="", by=by)
    return customer


def erase_due_by_retention_rules(*, today: date | None = None) -> int:
    """Erase every customer a retention rule says is due (``customers.retention``); returns
    how many erasures were carried out (a deferred one counts when it goes through later)."""
    from stammkunde.customers.retention import due_erasures

    today = today or timezone.localdate()
    erased = 0
    for due in due_erasures(today=today, horizon_days=0, limit=10_000):
        record = request_erasure(
            due.customer_id,
            by=None,
            channel=PrivacyRequestChannel.RETENTION,
            reference=f"{due.rule}:{due.period_days}d",
            today=today,
        )
        erased += record.state != PrivacyRequestState.DEFERRED
    return erased
