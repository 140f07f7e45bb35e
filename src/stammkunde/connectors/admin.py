from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.connectors.inbox.services import reprocess
from stammkunde.connectors.models import (
    BackfillRun,
    DeliveryState,
    ShopConnection,
    WebhookDelivery,
)


@admin.register(ShopConnection)
class ShopConnectionAdmin(admin.ModelAdmin):
    list_display = ["shop", "api_base_url", "last_reconciled_at", "created_at"]
    readonly_fields = ["hook_token", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "shop", "topic", "resource_key", "state", "attempts", "received_at"]
    list_filter = ["state", "shop", "platform"]
    search_fields = ["=delivery_id", "=resource_key"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    raw_id_fields = ["duplicate_of"]
    exclude = ["body"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields if field.name != "body"]
    actions = ["process_again"]

    @admin.action(
        description=_("Process the selected failed deliveries again"),
        permissions=["change"],
    )
    def process_again(self, request, queryset):
        count = 0
        for delivery in queryset.filter(state=DeliveryState.FAILED):
            reprocess(delivery, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False


@admin.register(BackfillRun)
class BackfillRunAdmin(admin.ModelAdmin):
    list_display = [
        "shop",
        "kind",
        "state",
        "pages_done",
        "orders_seen",
        "orders_applied",
        "orders_failed",
        "started_at",
        "finished_at",
    ]
    list_filter = ["kind", "state", "shop"]
    readonly_fields = [field.name for field in BackfillRun._meta.fields]
