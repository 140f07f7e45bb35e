"""The audit log's part of a GDPR export and erasure: the trail is handed out, never erased.

Art. 5 (2) GDPR (accountability) needs the record of who read or changed a customer's data to
outlive the data itself; the entries hold ids and field names only, no personal data.
"""

from __future__ import annotations

from typing import Any

from stammkunde.audit.queries import audit_trail_export, audit_trail_for_customer
from stammkunde.core.gdpr import ErasureRequest


def export_audit_trail(customer_id: int) -> dict[str, Any]:
    """Who accessed or changed the customer's data, when, and what."""
    return {"audit_trail": audit_trail_export(customer_id)}


def erase_audit_trail(request: ErasureRequest) -> dict[str, int]:
    """Keep every entry (accountability); report how many were kept."""
    return {"kept": audit_trail_for_customer(request.customer_id).count()}
