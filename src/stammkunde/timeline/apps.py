from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "stammkunde.timeline"
    label = "timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from stammkunde.core.gdpr import register_erasure, register_export
        from stammkunde.core.scoping import register_audit_shop_filter
        from stammkunde.timeline import gdpr
        from stammkunde.timeline.visibility import audit_entries_of_shops

        register_export(self.label, gdpr.export_timeline)
        register_erasure(self.label, gdpr.erase_timeline)
        register_audit_shop_filter(audit_entries_of_shops)
