from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "stammkunde.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from stammkunde.analytics import gdpr
        from stammkunde.core.gdpr import register_erasure, register_export

        register_export(self.label, gdpr.export_scores)
        register_erasure(self.label, gdpr.erase_scores)

        from stammkunde.analytics import tasks
        from stammkunde.core.scheduling import register_periodic_job

        # Nightly at 01:30 UTC, before the task housekeeping at 03:00.
        register_periodic_job(
            "analytics-scoring",
            tasks.score_customers_nightly,
            every=timedelta(days=1),
            offset=timedelta(hours=1, minutes=30),
        )
