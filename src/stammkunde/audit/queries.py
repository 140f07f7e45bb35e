"""Reads of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from stammkunde.audit.models import AuditAction, AuditedCustomer, AuditEntry
from stammkunde.audit.services import audit
from stammkunde.core.compiled import ID, CompiledRead
from stammkunde.core.scoping import (
    audit_rows_in_shop_scope,
    customer_scope,
    shop_limit,
    withhold_other_shops_staff,
)


def _concerning(customer_id: int) -> Q:
    # A list that showed the customer counts as much as a read of the customer alone.
    shown_in = AuditedCustomer.objects.filter(customer_id=customer_id).values("entry_id")
    return Q(customer_id=customer_id) | Q(pk__in=shown_in)


def _customer_visible(customer_id: int, by: Any) -> bool:
    """Whether the customer is in ``by``'s scope (the model is looked up by name: the audit
    app sits below the customers app)."""
    from django.apps import apps

    customer_model = apps.get_model("customers", "Customer")
    rule = customer_scope(by)
    return rule is None or customer_model.objects.filter(rule, pk=customer_id).exists()


def _concerning_for(customer_id: int, by: Any) -> Q:
    """``_concerning``, or for staff limited to shops the rows about the customer alone: a
    list row (a search, an export, another shop's outbox or segment) names many customers and
    whoever ran it; that the customer was among them tells a limited user about other shops'
    work, not about what was done to the customer."""
    if shop_limit(by) is None:
        return _concerning(customer_id)
    return Q(customer_id=customer_id)


def audit_trail_for_customer(customer_id: int, *, by: Any = None) -> QuerySet[AuditEntry]:
    """Every audited read or change of one customer's data, lists that showed them included,
    newest first. For staff limited to shops (``by``) without the rows about other shops'
    matters (their orders, cases, goodwill, mail: ``core.scoping.audit_rows_in_shop_scope``),
    as the timeline leaves them out, and without the list rows (``_concerning_for``); the GDPR
    export (no ``by``) holds every row."""
    entries = AuditEntry.objects.filter(_concerning_for(customer_id, by))
    return audit_rows_in_shop_scope(entries, by).select_related("actor").order_by("-at", "-id")


# The customer page's box, compiled once (core/compiled.py): at most RECENT_TRAIL_ROWS rows.
RECENT_TRAIL_ROWS = 50
_RECENT_TRAIL = CompiledRead(
    lambda customer_id: audit_trail_for_customer(customer_id)[:RECENT_TRAIL_ROWS],
    customer_id=ID,
)


def recent_audit_trail(
    customer_id: int, *, by: Any = None, limit: int = RECENT_TRAIL_ROWS
) -> list[AuditEntry]:
    """The newest ``limit`` entries of ``audit_trail_for_customer`` (at most
    RECENT_TRAIL_ROWS); for staff limited to shops (``by``) without other shops' activity,
    read without the compiled query (its SQL depends on their shops)."""
    limit = min(limit, RECENT_TRAIL_ROWS)
    if shop_limit(by) is not None:
        rows = list(audit_trail_for_customer(customer_id, by=by)[:limit])
        return withhold_other_shops_staff(rows, shop_limit(by))
    return _RECENT_TRAIL.fetch(customer_id=customer_id)[:limit]


@dataclass(frozen=True)
class TrailFilter:
    """What a team lead searches the audit trail for; every part optional."""

    customer_id: int | None = None
    actor_id: int | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search_audit_trail(
    criteria: TrailFilter, *, by: Any, offset: int = 0, limit: int = 50
) -> list[AuditEntry]:
    """One page of audit entries matching ``criteria``, newest first (``limit`` + 1 rows are
    read so the caller can tell whether a next page exists; at most ``limit`` are audited).

    Reading the trail of a customer is itself a read of their data: it is audited. Staff
    limited to shops find the entries about their shops' customers only: the trail of another
    shop's customer is empty (and leaves a REFUSE row), and without a customer only entries
    about one visible customer are listed; lists that merely named the customer and the names
    of other shops' staff are left out (``core.scoping.withhold_other_shops_staff``).
    """
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    scope = customer_scope(by, field="customer_id")
    if criteria.customer_id is not None:
        if scope is not None and not _customer_visible(criteria.customer_id, by):
            audit(
                actor=by,
                action=AuditAction.REFUSE,
                object_type="customers.customer",
                object_id=criteria.customer_id,
                detail="outside the staff member's shops: audit trail search",
            )
            return []
        concerning = _concerning_for(criteria.customer_id, by)
        entries = audit_rows_in_shop_scope(entries.filter(concerning), by)
    elif scope is not None:
        entries = entries.filter(scope)
    if criteria.actor_id is not None:
        entries = entries.filter(actor_id=criteria.actor_id)
    if criteria.action:
        entries = entries.filter(action=criteria.action)
    if criteria.since is not None:
        entries = entries.filter(at__gte=criteria.since)
    if criteria.until is not None:
        entries = entries.filter(at__lt=criteria.until)
    page = withhold_other_shops_staff(list(entries[offset : offset + limit + 1]), shop_limit(by))
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="audit.auditentry",
        customer_id=criteria.customer_id,
        detail="audit trail search",
    )
    return page


def audit_trail_export(customer_id: int) -> list[dict[str, Any]]:
    """The audit trail of one customer as plain values, for the GDPR export: who (a staff
    member's login name, an integration or the system) did what, when, to which record."""
    return [
        {
            "at": entry.at.isoformat(),
            "actor": entry.actor_label,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "concerned": "customer" if entry.customer_id == customer_id else "shown in a list",
            "fields": entry.fields,
            "detail": entry.detail,
        }
        for entry in audit_trail_for_customer(customer_id).iterator()
    ]
