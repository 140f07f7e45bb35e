"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from stammkunde.audit.models import AuditEntry


def audit_trail_for_customer(customer_id: int) -> QuerySet[AuditEntry]:
    """Every audited read or change of one customer's data, newest first."""
    return (
        AuditEntry.objects.filter(customer_id=customer_id).select_related("actor").order_by("-at")
    )
