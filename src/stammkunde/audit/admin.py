from django.contrib import admin

from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The audit log can be read and filtered, never changed."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "customer_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["=customer_id", "actor_label"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
