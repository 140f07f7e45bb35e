"""Reads of cases for intake (threading) and the staff pages (queue, case page)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.compiled import ID, CompiledRead
from stammkunde.core.scoping import in_customer_scope
from stammkunde.service.clock import due_state
from stammkunde.service.models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Case,
    CaseMessage,
    CaseStatus,
)
from stammkunde.service.models.cases import REFERENCE_PREFIX
from stammkunde.service.staff_scope import cases_of_shops, may_see_case, visible_cases
from stammkunde.shop.visibility import limit_orders, staff_shop_ids

REFERENCE_PATTERN = re.compile(rf"\[?\b{re.escape(REFERENCE_PREFIX)}(\d{{1,12}})\b\]?", re.I)


def reference_in(subject: str) -> str | None:
    """The first case reference in a subject ("Re: [VG-10234] ..." -> "VG-10234")."""
    match = REFERENCE_PATTERN.search(subject or "")
    return f"{REFERENCE_PREFIX}{match.group(1)}" if match else None


def case_by_reference(reference: str) -> Case | None:
    """The case with this reference (exact, case-insensitive prefix), or None."""
    if not reference:
        return None
    return (
        Case.objects.select_related("customer", "team", "assignee")
        .filter(reference=reference.upper())
        .first()
    )


def case_by_message_ids(message_ids: Iterable[str]) -> Case | None:
    """The case whose thread holds one of these Message-IDs (In-Reply-To first, then the
    References from newest to oldest: pass them in that order), or None."""
    ids = [mid.strip() for mid in message_ids if mid and mid.strip()]
    if not ids:
        return None
    found = dict(
        CaseMessage.objects.filter(message_id__in=ids).values_list("message_id", "case_id")
    )
    for mid in ids:
        if mid in found:
            return Case.objects.select_related("customer", "team", "assignee").get(pk=found[mid])
    return None


# --- Staff pages: the queue and the case page (each read audited by the query that does it).

QUEUE_VIEWS = ("mine", "team", "unassigned", "due", "escalated", "all", "done")
# Due within this long counts as "due" in the queue, in real time.
DUE_SOON = timedelta(hours=2)


@dataclass(frozen=True)
class QueueFilter:
    view: str = "mine"
    status: str = ""
    case_type: str = ""
    team_id: int | None = None
    priority: str = ""
    text: str = ""


@dataclass
class QueueRow:
    case: Case
    due: datetime | None
    due_state: str


def _due_of(case: Case) -> datetime | None:
    if case.status in DONE_STATUSES or case.status == CaseStatus.WAITING_CUSTOMER:
        return None
    if case.first_response_at is None:
        return case.first_response_due_at
    return case.resolution_due_at


def case_queue(
    *, by: Any, filters: QueueFilter, limit: int = 100, now: datetime | None = None
) -> list[QueueRow]:
    """One page of the case queue for ``by`` (mine, my teams', unassigned, due or overdue,
    escalated, all active, done), filtered, oldest due first; audited with the customers shown."""
    now = now or timezone.now()
    # Staff limited to shops see only their shops' cases (``service/staff_scope.py``).
    cases = visible_cases(Case.objects.select_related("customer", "team", "assignee"), by)
    if filters.view == "done":
        cases = cases.filter(status__in=DONE_STATUSES)
    else:
        cases = cases.filter(status__in=ACTIVE_STATUSES)
    if filters.view == "mine":
        cases = cases.filter(assignee=by)
    elif filters.view == "team":
        cases = cases.filter(team__members__user=by)
    elif filters.view == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    elif filters.view == "due":
        soon = now + DUE_SOON
        cases = cases.exclude(status=CaseStatus.WAITING_CUSTOMER).filter(
            Q(first_response_at__isnull=True, first_response_due_at__lte=soon)
            | Q(first_response_at__isnull=False, resolution_due_at__lte=soon)
        )
    elif filters.view == "escalated":
        cases = cases.filter(escalated_at__isnull=False)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    if filters.team_id:
        cases = cases.filter(team_id=filters.team_id)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.text:
        term = filters.text.strip()
        cases = cases.filter(
            Q(reference__iexact=term) | Q(subject__icontains=term) | Q(customer__email=term.lower())
        )
    if filters.view == "done":
        cases = cases.order_by("-solved_at", "-id")
    elif filters.view == "escalated":
        cases = cases.order_by("escalated_at", "id")
    else:
        cases = cases.order_by(F("first_response_due_at").asc(nulls_last=True), "opened_at", "id")
    rows = []
    for case in cases.distinct()[:limit]:
        due = _due_of(case)
        warn = timedelta(minutes=case.team.warn_before_minutes if case.team else 60)
        rows.append(QueueRow(case, due, due_state(due, now, warn_before=warn)))
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="service.case",
        customer_ids=[row.case.customer_id for row in rows],
        detail=f"case queue: {filters.view}",
    )
    return rows


def queue_counts(*, by: Any, now: datetime | None = None) -> dict[str, int]:
    """How many cases each tab of the queue holds (counts only, no personal data)."""
    now = now or timezone.now()
    active = visible_cases(Case.objects.filter(status__in=ACTIVE_STATUSES), by)
    soon = now + DUE_SOON
    return {
        "mine": active.filter(assignee=by).count(),
        "team": active.filter(team__members__user=by).distinct().count(),
        "unassigned": active.filter(assignee__isnull=True).count(),
        "due": active.exclude(status=CaseStatus.WAITING_CUSTOMER)
        .filter(
            Q(first_response_at__isnull=True, first_response_due_at__lte=soon)
            | Q(first_response_at__isnull=False, resolution_due_at__lte=soon)
        )
        .count(),
        "escalated": active.filter(escalated_at__isnull=False).count(),
        "all": active.count(),
    }


@dataclass
class CasePage:
    case: Case
    messages: list[CaseMessage]
    orders: list[Any]
    other_cases: list[Case]
    customer_orders: list[Any]
    due: datetime | None
    due_state: str


def case_page(case_id: int, *, by: Any, now: datetime | None = None) -> CasePage | None:
    """Everything the case page shows, in a fixed number of queries whatever the thread's
    length: the case, its thread with authors, its orders with shipments, the customer's other
    cases and latest orders. Audited as one view of the customer's data."""
    from stammkunde.shop.models import Order, Refund, Return, Shipment, Withdrawal

    now = now or timezone.now()
    case = (
        Case.objects.select_related(
            "customer", "team", "assignee", "merged_into", "split_from", "reopened_from"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None or not may_see_case(case, by=by, detail=f"case page {case.reference}"):
        return None
    messages = list(
        CaseMessage.objects.filter(case=case).select_related("author").order_by("created_at", "id")
    )
    shipments = Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at"))
    # What happened after the order, so the agent answers "where is my money?" from the page:
    # returns with their refund deadline, refunds (the shop's and goodwill), withdrawals.
    after_sales = [
        Prefetch(
            "returns",
            queryset=Return.objects.select_related("refund_clock").order_by("announced_at"),
        ),
        Prefetch("refunds", queryset=Refund.objects.order_by("refunded_at", "pk")),
        Prefetch("withdrawals", queryset=Withdrawal.objects.order_by("declared_at")),
    ]
    orders = list(
        case.orders.select_related("shop")
        .prefetch_related("lines", shipments, *after_sales)
        .order_by("-placed_at")
    )
    shop_ids = staff_shop_ids(by)
    orders = [order for order in orders if shop_ids is None or order.shop_id in shop_ids]
    # The customer's history: of a customer shared with another shop, not that shop's cases.
    other_cases = list(
        cases_of_shops(Case.objects.filter(customer_id=case.customer_id), shop_ids)
        .exclude(pk=case.pk)
        .select_related("assignee")
        .order_by("-opened_at")[:10]
    )
    customer_orders = list(
        limit_orders(Order.objects.filter(customer_id=case.customer_id), shop_ids)
        .select_related("shop")
        .order_by("-placed_at")[:10]
    )
    due = _due_of(case)
    warn = timedelta(minutes=case.team.warn_before_minutes if case.team else 60)
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=case,
        customer_id=case.customer_id,
        detail=f"case page {case.reference}",
    )
    return CasePage(
        case=case,
        messages=messages,
        orders=orders,
        other_cases=other_cases,
        customer_orders=customer_orders,
        due=due,
        due_state=due_state(due, now, warn_before=warn),
    )


def case_for_staff(case_id: int, *, by: Any) -> Case | None:
    """The case for an action on it (reply, note, status, the desk's tools), or None when it
    does not exist or is not of the shops ``by`` is limited to (then with a REFUSE row, like
    every read of another shop's customer: ``staff_scope.may_see_case``)."""
    case = Case.objects.select_related("customer", "team", "assignee").filter(pk=case_id).first()
    if case is None or not may_see_case(case, by=by, detail="case"):
        return None
    return case


def case_for_staff_by_reference(reference: str, *, by: Any) -> Case | None:
    """The case with this reference for an action of ``by`` (the target of a merge), or None
    as for ``case_for_staff``. A typed NUL is no reference (PostgreSQL refuses it in a query)."""
    case = None if "\x00" in reference else case_by_reference(reference)
    if case is None or not may_see_case(case, by=by, detail=f"case {case.reference}"):
        return None
    return case


# The customer page's panel for staff of every shop (the common case), compiled once
# (core/compiled.py); at most CASES_READ rows, the caller's limit taken from them.
CASES_READ = 10
_LATEST_CASES = CompiledRead(
    lambda customer_id: (
        Case.objects.filter(customer_id=customer_id)
        .select_related("assignee", "team")
        .order_by("-opened_at")[:CASES_READ]
    ),
    customer_id=ID,
)


def cases_of_customer(customer_id: int, *, by: Any, limit: int = 10) -> list[Case]:
    """The customer's latest cases (for the panel on the customer page, which audits its own
    read of the customer); not those about other shops' orders only than the shops ``by`` is
    limited to."""
    shop_ids = staff_shop_ids(by)
    if shop_ids is None and limit <= CASES_READ:
        return _LATEST_CASES.fetch(customer_id=customer_id)[:limit]
    return list(
        cases_of_shops(Case.objects.filter(customer_id=customer_id), shop_ids)
        .select_related("assignee", "team")
        .order_by("-opened_at")[:limit]
    )


def agents() -> list[Any]:
    """Staff who can take cases (for the assign box), by name."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(
        content_type__app_label="service", codename="work_cases"
    ).first()
    users = get_user_model().objects.filter(is_active=True)
    if permission is not None:
        users = users.filter(
            Q(groups__permissions=permission)
            | Q(user_permissions=permission)
            | Q(is_superuser=True)
        )
    return list(users.distinct().order_by("first_name", "last_name", "username"))


def orders_quoted_of_others(case: Case, *, by: Any, audited: bool = True) -> list[Any]:
    """Orders of other customers that an unverified sender's case quotes (order numbers in
    its subject or the customer's messages): staff confirm or dismiss the link. Empty for a
    verified customer. Only orders of the shops ``by`` may see are offered (staff limited to
    shops never learn the name of another shop's customer from it); the read is audited naming
    the customers shown (``audited=False``: an action that only checks the posted order)."""
    from stammkunde.service.intake.threading_keys import order_numbers
    from stammkunde.shop.models import Order

    if case.customer.verified:
        return []
    bodies = case.messages.filter(direction="inbound").values_list("body_text", flat=True)[:5]
    texts = [case.subject, *bodies]
    numbers = order_numbers(*texts)
    if not numbers:
        return []
    orders = Order.objects.filter(number__in=numbers, customer__isnull=False).exclude(
        customer_id=case.customer_id
    )
    quoted = list(
        in_customer_scope(limit_orders(orders, staff_shop_ids(by)), by, field="customer_id")
        .select_related("customer")
        .order_by("number")[:5]
    )
    if quoted and audited:
        # The other customers shown beside the case are a read of their data too.
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="customers.customer",
            customer_ids=[order.customer_id for order in quoted],
            detail=f"orders quoted by unverified sender of {case.reference}",
        )
    return quoted
