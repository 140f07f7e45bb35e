"""The Django admin's reads and changes of personal data, audited like every staff page.

``AuditedAdminMixin`` goes first in the bases of every ModelAdmin of a model that holds a
customer's data (``tests/audit/test_admin_audit.py`` checks the registry): a list writes one
VIEW row naming the customers shown, a change page, an object's history and a delete's
confirmation page (they name the object and what hangs on it) one VIEW row each, a save a
CREATE or CHANGE row with the changed field names, a delete a DELETE row, each with the admin
user as the actor.
Whether an admin may change or delete at all is the ModelAdmin's own permission methods.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit


def customer_id_of(obj: Any) -> int | None:
    """The customer a row belongs to: the customer itself, or the one its ``customer_id``
    names; for an inbox delivery, the first customer its processing touched."""
    if obj is None:
        return None
    if obj._meta.label_lower == "customers.customer":
        return obj.pk
    customer_id = getattr(obj, "customer_id", None)
    if isinstance(customer_id, int):
        return customer_id
    touched = (
        (getattr(obj, "result", None) or {}).get("customers") if hasattr(obj, "result") else None
    )
    if isinstance(touched, list) and touched and isinstance(touched[0], int):
        return touched[0]
    return None


class AuditedAdminMixin:
    """Audit the admin's list, change page, saves and deletes of this model."""

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            rows = list(changelist.result_list)
            audit(
                actor=request.user,
                action=AuditAction.VIEW,
                object_type=self.model._meta.label_lower,  # type: ignore[attr-defined]
                customer_ids=[pk for pk in map(customer_id_of, rows) if pk is not None],
                detail=f"admin list ({len(rows)} rows)",
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET":
            self._audit_object_page(request, object_id, response, "admin")
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._audit_object_page(request, object_id, response, "admin history")
        return response

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        if request.method == "GET":  # the confirmation page; the delete itself is delete_model
            self._audit_object_page(request, object_id, response, "admin delete confirmation")
        return response

    def _audit_object_page(
        self, request: HttpRequest, object_id: str, response: HttpResponse, detail: str
    ) -> None:
        if response.status_code != 200:
            return
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is not None:
            audit(
                actor=request.user,
                action=AuditAction.VIEW,
                obj=obj,
                customer_id=customer_id_of(obj),
                detail=detail,
            )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        audit(
            actor=request.user,
            action=AuditAction.CHANGE if change else AuditAction.CREATE,
            obj=obj,
            customer_id=customer_id_of(obj),
            fields=getattr(form, "changed_data", ()),
            detail="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(
            actor=request.user,
            action=AuditAction.DELETE,
            obj=obj,
            customer_id=customer_id_of(obj),
            detail="admin",
        )
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        rows = list(queryset)
        audit(
            actor=request.user,
            action=AuditAction.DELETE,
            object_type=self.model._meta.label_lower,  # type: ignore[attr-defined]
            object_id=",".join(str(row.pk) for row in rows)[:64],
            customer_ids=[pk for pk in map(customer_id_of, rows) if pk is not None],
            detail=f"admin delete ({len(rows)} rows)",
        )
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a customer's addresses on the customer's page) are changes of personal
        data too: one row per created, changed or deleted inline object."""
        # Deleted objects lose their primary key when deleted: note them before the save.
        deleted = [
            (inline.instance, inline.instance.pk)
            for inline in getattr(formset, "deleted_forms", ())
            if inline.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in getattr(formset, "new_objects", ()):
            audit(
                actor=request.user,
                action=AuditAction.CREATE,
                obj=obj,
                customer_id=customer_id_of(obj),
                detail="admin inline",
            )
        for obj, changed_fields in getattr(formset, "changed_objects", ()):
            audit(
                actor=request.user,
                action=AuditAction.CHANGE,
                obj=obj,
                customer_id=customer_id_of(obj),
                fields=changed_fields,
                detail="admin inline",
            )
        for obj, pk in deleted:
            audit(
                actor=request.user,
                action=AuditAction.DELETE,
                object_type=obj._meta.label_lower,
                object_id=pk,
                customer_id=customer_id_of(obj),
                detail="admin inline",
            )
