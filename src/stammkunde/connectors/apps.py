from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "stammkunde.connectors"
    label = "connectors"
    verbose_name = _("Shop connectors and file imports")

    def ready(self) -> None:
        from stammkunde.connectors import gdpr
        from stammkunde.core.gdpr import register_erasure, register_erasure_check, register_export

        register_export(self.label, gdpr.export_deliveries)
        register_erasure(self.label, gdpr.erase_deliveries)
        register_erasure_check(self.label, gdpr.check_deliveries)

        from stammkunde.connectors.backfill.schedule import register_reconciliation
        from stammkunde.connectors.tasks import process_inbox
        from stammkunde.core.scheduling import register_periodic_job

        # The sweep: deliveries that arrived while no worker ran, or whose task died with its
        # worker, are picked up within a minute.
        register_periodic_job("connectors.process_inbox", process_inbox, every=timedelta(minutes=1))
        register_reconciliation()
