"""Admin pages: the per-role two-factor rule (editable), failed logins and security events
(read-only: lockouts are lifted on the audited lockout page, ui:lockout-list)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin

from stammkunde.logins.models import RoleSecurity, SecurityEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RoleSecurity)
class RoleSecurityAdmin(admin.ModelAdmin):
    list_display = ("group", "require_two_factor")
    list_editable = ("require_two_factor",)


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "username", "ip_address", "reason", "by")
    list_filter = ("kind",)
    search_fields = ("username", "ip_address")


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "path_info")
    search_fields = ("username", "ip_address")
    exclude = ("get_data", "post_data")


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(ReadOnlyAdmin):
    list_display = ("attempt_time", "username", "ip_address", "locked_out", "path_info")
    list_filter = ("locked_out",)
    search_fields = ("username", "ip_address")
