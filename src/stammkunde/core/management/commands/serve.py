"""``stammkunde serve``: the web UI (gunicorn) and the background worker in one command."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI and run the background worker (the embedded default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=None, help="web processes (1 on SQLite, else 2)"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per web process")
        parser.add_argument(
            "--no-worker", action="store_true", help="serve the web UI only (run workers apart)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from stammkunde.wsgi import application

        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        workers = options["workers"] or (1 if sqlite else 2)
        bind = f"{options['host']}:{options['port']}"

        class Server(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", options["threads"])
                self.cfg.set("accesslog", "-")
                self.cfg.set("graceful_timeout", 10)

            def load(self):
                return application

        worker = None
        if not options["no_worker"]:
            # A separate process: gunicorn's arbiter and the task worker both want the main
            # thread for their signal handlers.
            worker = subprocess.Popen([sys.executable, "-m", "stammkunde", "worker"])
        self.stdout.write(self.style.SUCCESS(f"Stammkunde is running at http://{bind}/"))
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
