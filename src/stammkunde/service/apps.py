from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "stammkunde.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from stammkunde.core.gdpr import register_erasure, register_export
        from stammkunde.core.scheduling import register_periodic_job
        from stammkunde.service import desk_gdpr, desk_tasks

        register_export(self.label, desk_gdpr.export_desk)
        register_erasure(self.label, desk_gdpr.erase_desk)

        # The refund clock warns two business hours ahead, so a quarter hour is early enough.
        register_periodic_job(
            "service.check_refunds", desk_tasks.check_refunds, every=timedelta(minutes=15)
        )
        # The web form's sweep: submissions whose processing failed or never ran.
        register_periodic_job(
            "service.process_web_form", desk_tasks.process_web_form, every=timedelta(minutes=1)
        )
