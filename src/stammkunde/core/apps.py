from datetime import timedelta

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stammkunde.core"
    label = "core"
    verbose_name = "Stammkunde core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from stammkunde.core import tasks
        from stammkunde.core.scheduling import register_periodic_job

        # Every app's events module, so that the worker can rebuild any stored event and
        # every subscriber of a base class sees its subclasses.
        autodiscover_modules("events")
        # The sweep: delivers what a process that died after its commit did not enqueue.
        register_periodic_job("deliver-events", tasks.deliver_events, every=timedelta(minutes=1))
        register_periodic_job(
            "prune-dispatched-events",
            tasks.prune_dispatched_events,
            every=timedelta(days=1),
            offset=timedelta(hours=3, minutes=30),
        )

        # A task RUNNING in a dead worker is noticed within its lease plus this minute.
        register_periodic_job(
            "recover-stale-tasks", tasks.recover_stale_tasks, every=timedelta(minutes=1)
        )
        register_periodic_job(
            "prune-finished-tasks",
            tasks.prune_finished_tasks,
            every=timedelta(days=1),
            offset=timedelta(hours=3),
        )
