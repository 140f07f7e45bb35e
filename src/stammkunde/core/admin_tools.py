"""Building blocks for the apps' Django admin pages."""

from __future__ import annotations

from django.contrib import admin


class ReadOnly:
    """Shown, never added, changed or deleted in the admin, not even by a superuser.

    For data whose changes go through the services (timeline entry, audit row, domain event):
    customers, consents, orders, audit rows. A delete here would also cascade through the
    append-only consent ledger and the timeline; erasure is the GDPR erasure's job.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """A model admin that only shows (see ``ReadOnly``)."""


class ReadOnlyTabularInline(ReadOnly, admin.TabularInline):
    """An inline that only shows (see ``ReadOnly``)."""

    extra = 0
