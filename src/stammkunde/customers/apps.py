from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "stammkunde.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from stammkunde.core.gdpr import register_erasure, register_export
        from stammkunde.core.scheduling import register_periodic_job
        from stammkunde.customers import gdpr, tasks

        register_export(self.label, gdpr.export_customer)
        register_erasure(self.label, gdpr.erase_customer_records)
        # Daily at 02:15 UTC: deferred erasures, ended retention periods, the retention rules.
        register_periodic_job(
            "customers.privacy",
            tasks.privacy_housekeeping,
            every=timedelta(days=1),
            offset=timedelta(hours=2, minutes=15),
        )
