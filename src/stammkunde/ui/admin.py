"""The Django admin of staff accounts and role groups: only superusers change them.

The Admin group may see users and groups (``ui/roles.py``), but whoever changes a user's
groups, permissions or superuser flag, or a group's permissions, decides what everyone may do;
so that is for superusers, whatever permissions a group was given by hand.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class SuperuserOnlyChanges:
    """Adding, changing and deleting only for superusers; others may at most look."""

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(SuperuserOnlyChanges, UserAdmin):
    """Staff accounts; a non-superuser's view of them is read-only (no password change)."""


@admin.register(Group)
class RoleGroupAdmin(SuperuserOnlyChanges, GroupAdmin):
    """The role groups of ui/roles.py (re-applied by every migrate)."""
