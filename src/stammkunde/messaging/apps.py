from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "stammkunde.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from stammkunde.core.gdpr import register_erasure, register_erasure_check, register_export
        from stammkunde.core.scheduling import register_periodic_job
        from stammkunde.messaging import esp_events, gdpr, tasks
        from stammkunde.messaging.defaults.seeding import seed_default_drehbuch
        from stammkunde.messaging.subscribers import register_subscribers
        from stammkunde.messaging.timeline_scope import register_timeline_rules

        register_subscribers()
        register_timeline_rules()
        esp_events.connect()
        register_export(self.label, gdpr.export_messaging)
        register_erasure(self.label, gdpr.erase_messaging)
        register_erasure_check(self.label, gdpr.check_messaging_erasure)
        post_migrate.connect(seed_default_drehbuch, sender=self)
        register_periodic_job(
            "messaging.fire_trigger_runs", tasks.fire_trigger_runs, every=timedelta(minutes=1)
        )
        register_periodic_job(
            "messaging.schedule_birthdays",
            tasks.schedule_birthdays,
            every=timedelta(days=1),
            offset=timedelta(hours=7),
        )
        register_periodic_job(
            "messaging.run_due_campaigns", tasks.run_due_campaigns, every=timedelta(minutes=1)
        )
        # The outbox sweep: retries that fell due, delayed messages, anything a process died
        # before enqueueing (queue_message enqueues on commit as well).
        register_periodic_job(
            "messaging.send_messages", tasks.send_messages, every=timedelta(minutes=1)
        )
