"""The one function that writes the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from stammkunde.audit.context import current_client_address, page_views
from stammkunde.audit.models import AuditAction, AuditedCustomer, AuditEntry
from stammkunde.core.bulk import insert_rows
from stammkunde.core.holding import holding


def audit(
    *,
    actor: Any | None,
    action: AuditAction,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    customer_id: int | None = None,
    customer_ids: Iterable[int] = (),
    fields: Iterable[str] = (),
    detail: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    """Record that ``actor`` (a staff user, an API token's actor, or None for the system) did
    ``action`` to an object.

    Pass ``obj`` (a model instance) or ``object_type`` and ``object_id``. ``customer_id`` is the
    one customer the act concerned; ``customer_ids`` the customers a list, search result or
    export showed (one row each in ``AuditedCustomer``, so each customer's trail finds it).
    Only field *names* are logged, never their values, so the audit log holds no personal data
    of its own. The client address comes from the request being served
    (``audit.context``) unless given.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user else (str(actor) if actor else "system")
    seen = page_views()
    key = (label, customer_id)
    once_per_page = seen is not None and action == AuditAction.VIEW and customer_id is not None
    if once_per_page and key in seen and not customer_ids:
        return seen[key]  # the page already recorded reading this customer
    shown = sorted({int(pk) for pk in customer_ids})
    held = _held.get()
    address = ip_address or current_client_address()
    values = {
        "actor_label": label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "customer_id": customer_id,
        "fields": sorted(fields),
        "detail": detail[:500],
    }
    if held is not None and actor is None and obj is not None and not shown and not address:
        held.append((action, obj, customer_id, list(fields), detail))
        return AuditEntry(**values)
    # A list page's row and the customers it names go in one short transaction: one wait for
    # SQLite's write lock instead of two (the webhook intake writes all the time), and no row
    # without its customers. A single row needs none (autocommit).
    with transaction.atomic() if shown else contextlib.nullcontext():
        entry = AuditEntry.objects.create(actor=user, ip_address=address, **values)
        if shown:
            AuditedCustomer.objects.bulk_create(
                [AuditedCustomer(entry=entry, customer_id=pk) for pk in shown]
            )
    if once_per_page:
        seen[key] = entry
    return entry


_held: ContextVar[list[tuple[AuditAction, Any, int | None, list[str], str]] | None] = ContextVar(
    "audit_held", default=None
)


@contextmanager
def held_system_changes() -> Iterator[list[tuple[AuditAction, Any, int | None, list[str], str]]]:
    """Inside the block ``audit`` holds the system's rows about one object (no actor, no
    client address, no customers shown) in the yielded list, as ``audit_system_changes``
    takes them, and returns them unsaved; the caller writes the list with
    ``audit_system_changes`` in the same transaction (intake's groups of mails). What is not
    written when the block ends is dropped, as a rolled-back INSERT would be."""
    with holding(_held) as held:
        yield held


def audit_system_changes(
    entries: Iterable[tuple[AuditAction, Any, int | None, list[str], str]],
) -> int:
    """Record many changes the system made (no staff actor) at once: one INSERT for a batch.

    Each entry is (action, model instance, customer id, field names, detail), as ``audit``
    takes them. Returns how many were written.
    """
    fields_column = AuditEntry._meta.get_field("fields")
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            "system",
            action.value if isinstance(action, AuditAction) else action,
            obj._meta.label_lower,
            str(obj.pk),
            customer_id,
            fields_column.get_db_prep_save(sorted(fields), connection),
            detail[:500],
            at,
        )
        for action, obj, customer_id, fields, detail in entries
    ]
    insert_rows(
        AuditEntry,
        (
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "customer_id",
            "fields",
            "detail",
            "at",
        ),
        rows,
    )
    return len(rows)
