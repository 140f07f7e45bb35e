from django.contrib import admin

from stammkunde.analytics.models import AnalyticsSettings, CustomerScore, ScoringRun
from stammkunde.audit.admin_mixins import AuditedAdminMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Results of the scoring job: shown, never edited by hand (the next run rewrites them)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerScore)
class CustomerScoreAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = [
        "customer",
        "rfm_segment",
        "orders_count",
        "total_revenue",
        "churn_alarm",
        "churn_risk",
        "clv_12m",
        "model",
        "unscored_reason",
    ]
    list_filter = ["rfm_segment", "churn_alarm", "model", "unscored_reason"]
    raw_id_fields = ["customer"]
    show_full_result_count = False


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "kind", "state", "model", "customers_scored", "finished_at"]
    list_filter = ["kind", "state"]


@admin.register(AnalyticsSettings)
class AnalyticsSettingsAdmin(admin.ModelAdmin):
    """One row of settings: can be created once and changed, never deleted."""

    list_display = ["__str__", "churn_factor", "reference_interval", "clv_margin", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not AnalyticsSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        from stammkunde.analytics.services import update_settings

        changes = {name: getattr(obj, name) for name in form.changed_data}
        obj.pk = 1
        if not change:
            obj.save()
        update_settings(by=request.user, **changes)
