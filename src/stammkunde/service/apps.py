from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "stammkunde.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from stammkunde.core.scheduling import register_periodic_job
        from stammkunde.service import desk_tasks

        # The refund clock warns two business hours ahead, so a quarter hour is early enough.
        register_periodic_job(
            "service.check_refunds", desk_tasks.check_refunds, every=timedelta(minutes=15)
        )
        # The web form's sweep: submissions whose processing failed or never ran.
        register_periodic_job(
            "service.process_web_form", desk_tasks.process_web_form, every=timedelta(minutes=1)
        )
