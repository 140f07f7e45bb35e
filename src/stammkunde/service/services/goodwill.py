"""Goodwill: grant within the limit, wait for a team lead above it, refuse the impossible."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.number_formats import format_money
from stammkunde.customers.models import Customer
from stammkunde.customers.privacy.restriction import is_processing_restricted
from stammkunde.service.goodwill_policy import ABSURD_AMOUNT, Outcome, judge, limit_for
from stammkunde.service.models import (
    CaseType,
    DeskRole,
    GoodwillGrant,
    GoodwillKind,
    GoodwillLimit,
    GoodwillStatus,
)
from stammkunde.service.services.case_common import is_restricted, restricted_message
from stammkunde.service.services.goodwill_mail import ask_for_approval
from stammkunde.shop.models import Order, VoucherKind
from stammkunde.shop.services import OrderError
from stammkunde.shop.services.refunds import (
    GOODWILL_REFUND_PREFIX,
    matching_platform_refund,
    record_refund,
)
from stammkunde.shop.services.vouchers import issue_voucher
from stammkunde.timeline.formatting import money_params
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import record_activity

REASON_MAX = 2000
VOUCHER_KINDS = {
    GoodwillKind.VOUCHER: VoucherKind.AMOUNT,
    GoodwillKind.FREE_SHIPPING: VoucherKind.FREE_SHIPPING,
}


class GoodwillError(ValueError):
    """A goodwill request or decision that cannot be made; the message is for the user."""


def current_limits() -> dict[tuple[str, str, str], Decimal]:
    """The limits as the policy rule takes them: (role, case type, kind) -> maximum."""
    return {
        (limit.role, limit.case_type, limit.kind): limit.maximum
        for limit in GoodwillLimit.objects.all()
    }


def roles_of(user: Any) -> list[str]:
    """The user's desk roles (the names of their role groups)."""
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in DeskRole.values if role in names]


def limits_of(user: Any) -> dict[str, dict[str, Decimal]] | None:
    """What ``user`` may grant without asking, per kind: under "" for a case type without
    limits of its own, and under each case type where some kind's limit differs from that
    (None: no limit, a superuser). The goodwill form tells the agent before they ask."""
    if user.is_superuser:
        return None
    roles, limits = roles_of(user), current_limits()

    def per_kind(case_type: str) -> dict[str, Decimal]:
        return {kind: limit_for(roles, case_type, limits, kind) for kind in GoodwillKind.values}

    table = {"": per_kind("")}
    for case_type in sorted({case_type for _role, case_type, _kind in limits if case_type}):
        own = per_kind(case_type)
        if own != table[""]:
            table[case_type] = own
    return table


def _clean_reason(reason: str) -> str:
    reason = (reason or "").replace("\x00", "").strip()
    if not reason:
        raise GoodwillError(_("Say why: every gesture of goodwill is recorded with its reason."))
    return reason[:REASON_MAX]


@transaction.atomic
def request_goodwill(
    *,
    customer: Customer,
    kind: str,
    amount: Any,
    reason: str,
    by: Any,
    case_type: str = "",
    order: Order | None = None,
    case: Any = None,
    at: datetime | None = None,
) -> GoodwillGrant:
    """Grant goodwill at once when it is within ``by``'s limit, else leave it waiting for a
    team lead; refuse amounts that cannot be meant (GoodwillError). With a ``case`` the
    case's type decides the limit and the grant is recorded in the case."""
    if not by.has_perm("service.grant_goodwill"):
        raise GoodwillError(_("You may not grant goodwill."))
    try:
        kind = GoodwillKind(kind)
    except ValueError:
        raise GoodwillError(_("Unknown kind of goodwill.")) from None
    if case is not None and is_restricted(case):
        raise GoodwillError(restricted_message(case))
    if is_processing_restricted(customer):
        # Erased, or restricted by staff (Art. 18 GDPR): no goodwill for them, with or
        # without a case.
        raise GoodwillError(restricted_message(customer=customer))
    reason = _clean_reason(reason)
    if case is not None:
        if case.customer_id != customer.pk:
            raise GoodwillError(_("The case belongs to another customer."))
        case_type = case.case_type
    if order is not None and order.customer_id != customer.pk:
        raise GoodwillError(_("The order belongs to another customer."))
    open_on_order = None
    if kind == GoodwillKind.REFUND:
        if order is None:
            raise GoodwillError(_("A partial refund needs the order it refunds."))
        open_on_order = order.total - order.refunded_total
        # A refund the shop already made of this amount becomes this goodwill (no second
        # payment), so it does not count against what is left on the order.
        already = _already_refunded(order, amount)
        if already is not None:
            open_on_order += already.amount
    verdict = judge(
        amount,
        roles=roles_of(by),
        case_type=case_type,
        limits=current_limits(),
        kind=kind,
        unlimited=by.is_superuser,
        open_on_order=open_on_order,
        currency=order.currency if order is not None else "EUR",
    )
    if verdict.outcome == Outcome.REFUSED:
        raise GoodwillError(_("The amount %(reason)s") % {"reason": verdict.reason})
    grant = GoodwillGrant.objects.create(
        customer=customer,
        order=order,
        case=case,
        case_type=case_type,
        kind=kind,
        amount=Decimal(str(amount)).quantize(Decimal("0.01")),
        currency=order.currency if order is not None else "EUR",
        reason=reason,
        status=GoodwillStatus.PENDING,
        limit_at_request=verdict.limit,
        requested_by=by,
        requested_at=at or timezone.now(),
    )
    audit(actor=by, action=AuditAction.CREATE, obj=grant, customer_id=customer.pk)
    if verdict.outcome == Outcome.GRANT:
        _grant(grant, by=by, at=grant.requested_at)
    else:
        ask_for_approval(grant)
    return grant


def _grant(grant: GoodwillGrant, *, by: Any, at: datetime | None = None) -> None:
    """Make the gesture real: a voucher where it is one, the timeline entry (at ``at``,
    default now), the status."""
    voucher_kind = VOUCHER_KINDS.get(GoodwillKind(grant.kind))
    if voucher_kind is not None:
        grant.voucher = issue_voucher(
            amount=grant.amount,
            currency=grant.currency,
            kind=voucher_kind,
            customer_id=grant.customer_id,
            source_type="goodwill",
            source_id=grant.pk,
            by=by,
        )
    if grant.kind == GoodwillKind.REFUND and grant.order_id is not None:
        _refund(grant, by=by)
    grant.status = GoodwillStatus.GRANTED
    grant.save(update_fields=["status", "voucher", "decided_by", "decided_at", "decision_reason"])
    record_activity(
        customer_id=grant.customer_id,
        kind=ActivityKind.GOODWILL_GRANTED,
        channel=Channel.INTERNAL,
        direction=Direction.OUTBOUND,
        params={
            "goodwill": grant.kind,
            **money_params(grant.amount, grant.currency),
            **({"case": grant.case.reference} if grant.case_id else {}),
        },
        body=grant.reason,
        actor=grant.requested_by or by,
        subject=grant,
        occurred_at=at or timezone.now(),
    )


def refund_external_id(grant: GoodwillGrant) -> str:
    """The key of the shop refund a granted partial refund made (one per grant)."""
    return f"{GOODWILL_REFUND_PREFIX}{grant.pk}"


def _refund(grant: GoodwillGrant, *, by: Any) -> None:
    """A granted partial refund is money paid back on the order: the shop's refund row (its
    timeline entry and RefundIssued event come from the shop's service), keyed on the grant
    so approving twice never refunds twice. More than the order has left is refused."""
    from stammkunde.service.services.case_common import display_name

    order = Order.objects.get(pk=grant.order_id)
    try:
        record_refund(
            order,
            amount=grant.amount,
            refunded_at=timezone.now(),
            reason=_("Goodwill: %(reason)s") % {"reason": grant.reason},
            external_id=refund_external_id(grant),
            actor_label=display_name(grant.requested_by or by),
        )
    except OrderError as error:
        raise GoodwillError(str(error)) from None


def _already_refunded(order: Order, amount: Any) -> Any:
    """The shop's refund of ``amount`` on ``order`` that a partial refund granted now would take
    over (``record_refund``), or None; an amount that is not one is judged elsewhere."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None
    if not value.is_finite() or value <= 0:
        return None
    return matching_platform_refund(order, amount=value, refunded_at=timezone.now())


def _pending(grant: GoodwillGrant, by: Any) -> GoodwillGrant:
    if not by.has_perm("service.approve_goodwill"):
        raise GoodwillError(_("Only a team lead decides on goodwill above the limit."))
    locked = GoodwillGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.status != GoodwillStatus.PENDING:
        raise GoodwillError(_("This request was decided already."))
    if locked.requested_by_id == by.pk and not by.is_superuser:
        raise GoodwillError(_("Someone else decides on your own request."))
    return locked


@transaction.atomic
def approve_goodwill(
    grant: GoodwillGrant, *, by: Any, reason: str = "", at: datetime | None = None
) -> GoodwillGrant:
    """A team lead grants a waiting request (``at``: when, default now)."""
    grant = _pending(grant, by)
    grant.decided_by = by
    grant.decided_at = at or timezone.now()
    grant.decision_reason = (reason or "").strip()[:REASON_MAX]
    _grant(grant, by=by, at=grant.decided_at)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=grant,
        customer_id=grant.customer_id,
        fields=["status"],
        detail="approved",
    )
    return grant


@transaction.atomic
def decline_goodwill(
    grant: GoodwillGrant, *, by: Any, reason: str, at: datetime | None = None
) -> GoodwillGrant:
    """A team lead declines a waiting request, saying why (the agent sees it)."""
    grant = _pending(grant, by)
    grant.status = GoodwillStatus.DECLINED
    grant.decided_by = by
    grant.decided_at = at or timezone.now()
    grant.decision_reason = _clean_reason(reason)
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        obj=grant,
        customer_id=grant.customer_id,
        fields=["status"],
        detail="declined",
    )
    return grant


def _limit_label(limit: GoodwillLimit) -> str:
    """Which limit an audit row is about: "Service agent / voucher / complaint" ("*": every)."""
    return f"{limit.role} / {limit.kind or '*'} / {limit.case_type or '*'}"


@transaction.atomic
def set_goodwill_limit(
    *, role: str, case_type: str, maximum: Any, by: Any, kind: str = ""
) -> GoodwillLimit:
    """A team lead sets (or changes) a role's limit for a kind of goodwill ("" for every kind)
    in a case type ("" for every type); audited with the old and the new maximum."""
    if not by.has_perm("service.manage_desk_policies"):
        raise GoodwillError(_("Only a team lead sets goodwill limits."))
    try:
        role = DeskRole(role)
    except ValueError:
        raise GoodwillError(_("Unknown role.")) from None
    if kind and kind not in GoodwillKind.values:
        raise GoodwillError(_("Unknown kind of goodwill."))
    if case_type and case_type not in CaseType.values:
        raise GoodwillError(_("Unknown case type."))
    try:
        value = Decimal(str(maximum)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise GoodwillError(_("The limit is not an amount.")) from None
    if not (0 <= value <= ABSURD_AMOUNT):
        raise GoodwillError(
            _("A limit lies between 0 and %(max)s.") % {"max": format_money(ABSURD_AMOUNT)}
        )
    limit = (
        GoodwillLimit.objects.select_for_update()
        .filter(role=role, case_type=case_type, kind=kind)
        .first()
    )
    before = None if limit is None else limit.maximum
    if limit is None:
        limit = GoodwillLimit(role=role, case_type=case_type, kind=kind)
    elif before == value:
        return limit
    limit.maximum = value
    limit.updated_by = by
    limit.save()
    audit(
        actor=by,
        action=AuditAction.CREATE if before is None else AuditAction.CHANGE,
        obj=limit,
        fields=["maximum"],
        detail=f"{_limit_label(limit)}: {before if before is not None else '-'} -> {value}",
    )
    return limit


@transaction.atomic
def remove_goodwill_limit(limit: GoodwillLimit, *, by: Any) -> None:
    """A team lead removes a limit; the next one in the fallback order applies again."""
    if not by.has_perm("service.manage_desk_policies"):
        raise GoodwillError(_("Only a team lead sets goodwill limits."))
    audit(
        actor=by,
        action=AuditAction.DELETE,
        obj=limit,
        detail=f"{_limit_label(limit)}: {limit.maximum} -> -",
    )
    limit.delete()
