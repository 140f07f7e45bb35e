"""``stammkunde worker``: run background tasks and periodic jobs until stopped."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from stammkunde.core.scheduling import enqueue_due_jobs
from stammkunde.core.tasks import recover_stale_tasks

logger = logging.getLogger(__name__)


def _schedule_forever(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            enqueue_due_jobs()
        except Exception:
            # A database hiccup must not end scheduling for the life of the worker.
            logger.exception("scheduling periodic jobs failed; retrying")
        finally:
            close_old_connections()
        stop.wait(interval)


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs (stop with Ctrl+C or SIGTERM)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queues", default="*", help="comma separated queue names, or *")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run ready tasks, then exit")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not enqueue periodic jobs"
        )

    def handle(self, *args, **options) -> None:
        # Tasks left RUNNING by a worker that was killed are failed now instead of hanging.
        recovered = recover_stale_tasks.call()
        if recovered:
            logger.warning("marked %d stale running task(s) as failed", recovered)
        stop = threading.Event()
        if not options["no_scheduler"]:
            thread = threading.Thread(
                target=_schedule_forever, args=(stop, 60.0), name="scheduler", daemon=True
            )
            thread.start()
            time.sleep(0.1)  # let the first round enqueue before the first poll
        worker = Worker(
            queue_names=options["queues"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"stammkunde-{get_random_string(12)}",
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            worker.reset_signals()
        if settings.DEBUG:
            self.stdout.write("worker stopped")
