"""``stammkunde serve``: the web UI (gunicorn) and the background workers in one command."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from stammkunde.core.lease import new_process_id
from stammkunde.core.supervisor import Supervisor

# Several web processes on SQLite too: the threads of one process share one interpreter lock, so
# one process uses one core however many threads it has; two use both cores of a small machine
# (the webhook benchmark: about twice the deliveries accepted per second). Three rather than two
# on 2 cores: the operating system shares the CPU between processes more fairly than one
# interpreter lock between a page's thread and the webhook threads beside it, so a page waits
# less behind a webhook flood (benchmarks/load.py, default size, quiet 2-core machine, runs
# alternated: page p95 859 and 713 ms against 943, 914 and 966 ms with two; accepted 242/s
# against 228-235; webhooks.py 620 accepted/s against 630, the same). SQLite allows it: in WAL
# mode readers never wait, and writers (IMMEDIATE transactions, 30 s busy timeout) queue for the
# one write lock across processes just as across threads; a request's write is short (a webhook
# delivery is one INSERT). Nothing else is per process but the 5 s shop address cache, which
# PostgreSQL setups with several processes already live with (docs/WEBHOOKS.md).
WEB_PROCESSES = 3
# The embedded workers run at a lower CPU priority than the web processes (in the same session,
# core.supervisor): a burst of webhooks and the staff's pages are answered first, the inbox is
# drained with what CPU is left. Not lower than 5: a worker's write transaction holds SQLite's
# one write lock for about WRITE_BUDGET_SECONDS of *CPU* (connectors.inbox.processing), and
# during a flood the web processes keep both cores busy (other delivery threads, pages), so the
# transaction's wall time grows with the CPU share the worker gets. Linux's weights: nice 10 is
# about a tenth of a busy nice-0 process's core (75 ms of CPU held the lock about 0.75 s, every
# delivery and every page that writes waiting behind it), nice 5 about a quarter (0.3 s).
# Measured (benchmarks/load.py shrunk, nice 10 and 5 side by side, loaded shared machine): the
# lock held 0.66 s per transaction on average at nice 10, 0.32 s at nice 5 (docs/WEBHOOKS.md).
WORKER_NICE = 5


class Command(BaseCommand):
    help = "Serve the web UI and run the background worker (the embedded default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=WEB_PROCESSES, help="web processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per web process")
        parser.add_argument(
            "--no-worker", action="store_true", help="serve the web UI only (run workers apart)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from stammkunde.core.warm_up import warm_up
        from stammkunde.wsgi import application

        workers = max(1, options["workers"])
        bind = f"{options['host']}:{options['port']}"

        class Server(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", options["threads"])
                self.cfg.set("accesslog", "-")
                self.cfg.set("graceful_timeout", 10)

            def load(self):
                # Runs in each web process before it accepts connections.
                warm_up()
                return application

        supervisor = None
        if not options["no_worker"]:
            # Separate processes: gunicorn's arbiter and the task worker both want the main
            # thread for their signal handlers. Supervised from a thread of this process, so a
            # worker that dies is started again.
            supervisor = Supervisor(worker_commands())
            supervisor.start()
        self.stdout.write(self.style.SUCCESS(f"Stammkunde is running at http://{bind}/"))
        try:
            Server().run()
        finally:
            if supervisor is not None:
                supervisor.stop(timeout=settings.TASK_SHUTDOWN_GRACE_SECONDS + 5)


def worker_commands() -> dict[str, list[str]]:
    """The embedded worker processes: one for the quick queues, one for the heavy ones.

    The heavy queues (TASK_HEAVY_QUEUES: scoring, backfills, imports) run in a process of their
    own so that their CPU-bound work never shares an interpreter with the webhook intake; each
    queue has its own thread within its process (core.lanes). Each process keeps its worker id
    across restarts, which lets a restarted worker take over what its predecessor left.
    """
    queues = settings.TASKS["default"]["QUEUES"]
    heavy = [name for name in queues if name in settings.TASK_HEAVY_QUEUES]
    quick = [name for name in queues if name not in heavy]
    base = new_process_id()
    worker = [sys.executable, "-m", "stammkunde", "worker", "--nice", str(WORKER_NICE)]
    worker += ["--parent-pid", str(os.getpid())]
    commands = {}
    if quick:
        commands["quick"] = [*worker, "--worker-id", f"{base}-quick", "--queues", ",".join(quick)]
    if heavy:
        commands["heavy"] = [
            *worker,
            "--worker-id",
            f"{base}-heavy",
            "--queues",
            ",".join(heavy),
            *(["--no-scheduler"] if quick else []),
        ]
    return commands
