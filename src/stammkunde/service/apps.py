from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "stammkunde.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from anymail.signals import inbound
        from django.db.models.signals import post_delete, post_migrate, post_save

        from stammkunde.core.gdpr import register_erasure, register_erasure_check, register_export
        from stammkunde.core.scheduling import register_periodic_job
        from stammkunde.service import desk_tasks, gdpr, tasks
        from stammkunde.service.intake import tasks as intake_tasks
        from stammkunde.service.models import (
            Absence,
            DeskSettings,
            ResponseStandard,
            RoutingRule,
            Team,
            TeamMember,
        )
        from stammkunde.service.services import desk_settings
        from stammkunde.service.services.defaults import seed_desk_defaults
        from stammkunde.service.staff_scope import register_timeline_rules
        from stammkunde.service.views import store_provider_message

        # One handler per app: the cases', the desk's policies' and the mail intake's parts.
        register_export(self.label, gdpr.export_service_data)
        register_erasure(self.label, gdpr.erase_service_data)
        register_erasure_check(self.label, gdpr.check_erasure)
        from stammkunde.messaging.gdpr import register_shop_sources

        register_shop_sources("case", gdpr.shop_case_ids)
        register_timeline_rules()

        # The refund clock warns two business hours ahead, so a quarter hour is early enough.
        register_periodic_job(
            "service.check_refunds", desk_tasks.check_refunds, every=timedelta(minutes=15)
        )
        # The web form's sweep: submissions whose processing failed or never ran.
        register_periodic_job(
            "service.process_web_form", desk_tasks.process_web_form, every=timedelta(minutes=1)
        )
        # Every five minutes: a warning comes well before the breach (teams warn 60 minutes
        # ahead by default) and a breach escalates within minutes.
        register_periodic_job(
            "service.check_desk", tasks.check_service_desk, every=timedelta(minutes=5)
        )
        # Mail intake: the mailbox is read and stored mail processed every minute (the
        # processing sweep catches mails whose task died with its worker).
        register_periodic_job(
            "service.fetch_service_mailbox",
            intake_tasks.fetch_service_mailbox,
            every=timedelta(minutes=1),
        )
        register_periodic_job(
            "service.process_inbound_mail",
            intake_tasks.process_inbound_mail,
            every=timedelta(minutes=1),
        )
        # What an intake batch keeps of the desk's settings is dropped when one changes.
        for model in (Absence, DeskSettings, ResponseStandard, RoutingRule, Team, TeamMember):
            for signal in (post_save, post_delete):
                signal.connect(
                    desk_settings.forget, sender=model, dispatch_uid=f"desk_settings.{model}"
                )
        inbound.connect(store_provider_message, dispatch_uid="stammkunde.inbound_mail")
        # The shipped teams and crisis plans, also after a flush of a test database.
        post_migrate.connect(seed_desk_defaults, sender=self, dispatch_uid="stammkunde.desk")
