from datetime import timedelta

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "stammkunde.core"
    label = "core"
    verbose_name = "Stammkunde core"

    def ready(self) -> None:
        from stammkunde.core import tasks
        from stammkunde.core.scheduling import register_periodic_job

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
