"""The GDPR erasure (Art. 17) of one customer: what every app says first (obstacles defer
the erasure, retention duties keep records with processing restricted) and carrying it out
through every app's erasure handler in the registry of ``core.gdpr``."""

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
)
from stammkunde.core.scoping import shops_of_customer
from stammkunde.customers.events import CustomerErased
from stammkunde.customers.models import (
    ErasureScope,
    PrivacyRequest,
    PrivacyRequestChannel,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from stammkunde.customers.privacy.requests import new_request, subject_id


def erasure_check(
    customer_id: int, today: date | None = None, *, shop_id: int | None = None
) -> ErasureCheck:
    """What every app says before erasing this customer (with ``shop_id``: only that shop's
    part of them): obstacles and retention duties."""
    today = today or timezone.localdate()
    obstacles: list = []
    duties: list = []
    for fn in erasure_checks().values():
        check = (
            fn(customer_id, today) if shop_id is None else fn(customer_id, today, shop_id=shop_id)
        )
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
    shop_id: int | None = None,
) -> PrivacyRequest:
    """Erase a customer's personal data now, or record why it must wait (deferred).

    With ``shop_id`` (a shop's redact request) only that shop may have its data erased: when
    the person is a customer of other shops too, only that shop's part goes (scope
    ``shop_part``: its accounts, orders, timeline entries, cases) and the other shops'
    relationship stays; when no other shop remains, the whole person (scope ``last_shop``).

    Returns the request's record: ``deferred`` with its obstacles, ``restricted`` with the
    retention duties and the date processing stays restricted until, or ``done``.
    """
    customer_id = subject_id(customer_id, by=by)
    scope = ""
    if shop_id is not None:
        others = shops_of_customer(customer_id) - {shop_id}
        scope = ErasureScope.SHOP_PART if others else ErasureScope.LAST_SHOP
    with transaction.atomic():
        record = new_request(
            PrivacyRequestKind.ERASURE,
            customer_id,
            by=by,
            channel=channel,
            reference=reference,
            state=PrivacyRequestState.DEFERRED,
            shop_id=shop_id if scope == ErasureScope.SHOP_PART else None,
            scope=scope,
        )
        decide(record, by=by, today=today)
    return record


def decide(record: PrivacyRequest, *, by: Any, today: date | None) -> None:
    """Carry out the erasure ``record`` asks for, or defer it with its obstacles."""
    check = erasure_check(record.customer_id, today, shop_id=record.shop_id)
    if check.obstacles:
        record.state = PrivacyRequestState.DEFERRED
        record.obstacles = [asdict(obstacle) for obstacle in check.obstacles]
        record.duties = [duty_record(duty) for duty in check.duties]
        record.save(update_fields=["state", "obstacles", "duties"])
        audit(
            actor=by,
            action=AuditAction.ERASE,
            obj=record,
            customer_id=record.customer_id,
            detail=f"erasure deferred: {', '.join(o.reason for o in check.obstacles)}",
        )
        return
    carry_out(record, check.duties, by=by, today=today)


def duty_record(duty: RetentionDuty) -> dict[str, Any]:
    """A duty as the record stores it (plain JSON values)."""
    first = duty.first_until.isoformat() if duty.first_until else None
    return {**asdict(duty), "until": duty.until.isoformat(), "first_until": first}


def carry_out(
    record: PrivacyRequest,
    duties: tuple[RetentionDuty, ...],
    *,
    by: Any,
    today: date | None = None,
) -> None:
    """Run every app's erasure handler for ``record`` (keeping what ``duties`` name) and write
    its outcome, audit row and, when the person was erased, the ``CustomerErased`` event."""
    request = ErasureRequest(
        customer_id=record.customer_id,
        request_id=record.pk,
        keep=duties,
        by=by,
        today=today,
        shop_id=record.shop_id,
    )
    # From the top of the layer order down: a higher app may still need the e-mail address
    # or the shop accounts to find its part.
    summary = {label: fn(request) for label, fn in reversed(list(erasure_handlers().items()))}
    now = timezone.now()
    record.summary = summary
    record.obstacles = []
    record.duties = [duty_record(duty) for duty in duties]
    record.restricted_until = max((duty.until for duty in duties), default=None)
    record.state = PrivacyRequestState.RESTRICTED if duties else PrivacyRequestState.DONE
    record.decided_at = record.decided_at or now
    record.finished_at = None if duties else now
    record.save()
    what = "erased"
    if record.shop_id is not None:
        # The person stays a customer of other shops: nothing to tell the subscribers.
        what = f"erased shop #{record.shop_id}'s part only: a customer of other shops too"
    else:
        publish(
            CustomerErased(
                customer_id=record.customer_id, privacy_request_id=record.pk, occurred_at=now
            )
        )
        if record.scope == ErasureScope.LAST_SHOP:
            what = "erased: no other shop relationship remains"
    audit(
        actor=by,
        action=AuditAction.ERASE,
        obj=record,
        customer_id=record.customer_id,
        detail=f"{what}; kept until {record.restricted_until.isoformat()}" if duties else what,
    )
