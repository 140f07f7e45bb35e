from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "stammkunde.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from stammkunde.audit import gdpr
        from stammkunde.core.gdpr import register_erasure, register_export

        register_export(self.label, gdpr.export_audit_trail)
        register_erasure(self.label, gdpr.erase_audit_trail)
