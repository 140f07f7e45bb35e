"""``stammkunde worker``: run background tasks and periodic jobs until stopped."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stammkunde.core import write_turns
from stammkunde.core.lanes import WorkerProcess, lanes_for
from stammkunde.core.lease import LEASE_PREFIX, new_process_id

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs (stop with Ctrl+C or SIGTERM)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queues", default="*", help="comma separated queue names, or *")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run ready tasks, then exit")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not enqueue periodic jobs"
        )
        parser.add_argument(
            "--worker-id",
            default=None,
            help="id of this process (default: random); a worker started under the id of one "
            "that died takes over what that one left running",
        )
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="stop when the process with this id (e.g. `serve`) is gone",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=0,
            help="lower this process's CPU priority by this much (as `nice -n`); `serve` "
            "starts its workers so that web requests come first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [name.strip() for name in options["queues"].split(",") if name.strip()]
        if not queues:
            raise CommandError("--queues names no queue")
        process_id = options["worker_id"] or new_process_id()
        if not process_id.startswith(LEASE_PREFIX):
            process_id = LEASE_PREFIX + process_id
        if len(process_id) > 48:  # room for "/<lane>" in django-tasks-db's 64 characters
            raise CommandError("--worker-id is too long (at most 37 characters)")
        # This process's writes wait for the web requests' on SQLite (core.write_turns); the
        # role is given back when the command ends (``--batch`` runs inside other commands).
        role = write_turns.role()
        write_turns.set_role(write_turns.BACKGROUND)
        if options["nice"] > 0:
            # Before any thread starts: threads take the priority of the thread that starts them.
            os.nice(options["nice"])
        process = WorkerProcess(
            process_id,
            lanes_for(queues),
            interval=options["interval"],
            batch=options["batch"],
            scheduler=not options["no_scheduler"],
        )
        stopping = threading.Event()

        def on_signal(signum: int, _frame: Any) -> None:
            if stopping.is_set():
                logger.warning("%s again: stopping at once", signal.strsignal(signum))
                os._exit(1)  # the lease expires and the recovery job hands the tasks back
            logger.warning(
                "%s: finishing running tasks (up to %d s)...",
                signal.strsignal(signum),
                settings.TASK_SHUTDOWN_GRACE_SECONDS,
            )
            stopping.set()
            process.request_stop()

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, on_signal)
        logger.info(
            "worker %s started; lanes: %s",
            process_id,
            "; ".join(f"{lane}={','.join(names)}" for lane, names in process.lanes.items()),
        )
        try:
            process.start()
            if options["batch"]:
                process.run_batch()
            else:
                parent = options["parent_pid"]
                while not stopping.wait(1.0) and process.lanes_alive():
                    if parent is not None and os.getppid() != parent:
                        logger.warning("the serving process %d is gone: stopping", parent)
                        break
        finally:
            unfinished = process.shutdown(settings.TASK_SHUTDOWN_GRACE_SECONDS)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
                signal.signal(signum, signal.SIG_DFL)
            write_turns.set_role(role)
        if unfinished:
            logger.warning("handed back the running tasks of lanes %s", ", ".join(unfinished))
        logger.info("worker %s stopped", process_id)
