"""Keeping the embedded worker processes of ``stammkunde serve`` alive.

A worker killed by the OOM killer or a ``kill -9`` used to stay dead while the web process
went on accepting webhook deliveries that nobody processed. The supervisor watches its worker
processes from a thread of the serving process and starts a dead one again under the same
worker id (so the new one takes over what the old one left running, see core.lease), waiting
a little longer each time one dies again soon after starting.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# A process that ran this long before dying counts as having worked: the backoff starts over.
STABLE_AFTER_SECONDS = 60.0


@dataclass
class Supervised:
    """One supervised process: its command and its current state."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF_SECONDS
    restart_at: float | None = None
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # pids, oldest first


class Supervisor:
    """Start processes, start each again when it dies, and stop them all on request."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        poll_seconds: float = 0.5,
        popen: Callable[..., subprocess.Popen] = subprocess.Popen,
    ) -> None:
        self.children = {name: Supervised(name, command) for name, command in commands.items()}
        self.poll_seconds = poll_seconds
        self._popen = popen
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start every process and the watching thread."""
        for child in self.children.values():
            self._launch(child, time.monotonic())
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _launch(self, child: Supervised, now: float) -> None:
        # A process group of its own: Ctrl+C in the terminal reaches the server only, which
        # then stops the workers itself (instead of the supervisor restarting them meanwhile).
        # But the server's session: Linux's autogroup scheduling shares the CPU between
        # sessions first, so a worker in a session of its own got as much CPU as all web
        # processes together, whatever its nice value (the worker lowers its own priority,
        # ``worker --nice``, and in one session that counts against the web processes').
        child.process = self._popen(child.command, process_group=0)
        child.started_at = now
        child.restart_at = None
        child.history.append(child.process.pid)
        logger.info("started worker %s (pid %d)", child.name, child.process.pid)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            with self._lock:
                if self._stop.is_set():
                    return
                for child in self.children.values():
                    self.check(child, time.monotonic())

    def check(self, child: Supervised, now: float) -> None:
        """Notice a dead process and start it again once its backoff has passed."""
        if child.restart_at is None:
            if child.process is None or child.process.poll() is None:
                return
            if now - child.started_at >= STABLE_AFTER_SECONDS:
                child.backoff = FIRST_BACKOFF_SECONDS
            child.restart_at = now + child.backoff
            # The status is 0 when gunicorn's arbiter collected the process first (it waits
            # for any child), so it is only worth telling when it is known.
            status = child.process.returncode
            logger.error(
                "worker %s (pid %d) stopped%s; starting it again in %.0f s",
                child.name,
                child.process.pid,
                f" with exit status {status}" if status else "",
                child.backoff,
            )
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
        if now >= child.restart_at:
            child.restarts += 1
            try:
                self._launch(child, now)
            except OSError:
                logger.exception("starting worker %s failed", child.name)
                child.restart_at = now + child.backoff

    def stop(self, timeout: float) -> None:
        """Stop watching, ask every process to stop, and kill those still running after
        ``timeout`` seconds."""
        with self._lock:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        running = [
            child.process
            for child in self.children.values()
            if child.process is not None and child.process.poll() is None
        ]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait(timeout=5)
