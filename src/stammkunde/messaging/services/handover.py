"""The worker's hand-over to the mail server: a few sender threads, each holding one reused
connection, so that the next messages are checked, built and committed ``sending`` while
earlier ones are in their SMTP transaction.

Only the sender threads talk to the mail server, only the worker's own thread to the database
(it commits ``sending`` before a message is submitted and ``sent`` after its outcome came
back). At most ``size`` messages are submitted and not yet finished at any time, and the worker
finishes every outcome that came back before it commits the next ``sending`` (and all of them
before it claims the next batch): a worker that dies leaves at most ``size`` messages
uncertain (one with one connection, as before).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from django.core.mail import get_connection

from stammkunde.messaging import failpoints


@dataclass
class Outcome:
    """What became of one submitted message: ``error`` None when the server accepted it."""

    message: object
    error: Exception | None


class Handover:
    """``size`` sender threads with a connection each (opened on first use, kept open)."""

    def __init__(self, backend: str | None = None, size: int = 1) -> None:
        self.size = max(1, int(size))
        self._todo: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._in_flight = 0
        # Built here, in the worker's thread: a backend may read settings on construction.
        connections = [get_connection(backend, fail_silently=False) for _ in range(self.size)]
        self._threads = [
            threading.Thread(
                target=self._run, args=(connection,), name=f"mail-handover-{n}", daemon=True
            )
            for n, connection in enumerate(connections)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def full(self) -> bool:
        return self._in_flight >= self.size

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def submit(self, message, email) -> None:
        """Hand ``email`` (of outbox row ``message``) to the next free sender thread."""
        if self.full:
            raise RuntimeError("no free connection: wait for an outcome first")
        self._in_flight += 1
        self._todo.put((message, email))

    def finished(self, *, wait: bool = False) -> list[Outcome]:
        """The outcomes that came back; with ``wait`` at least one (if any is in flight)."""
        outcomes = []
        if wait and self._in_flight:
            outcomes.append(self._done.get())
            self._in_flight -= 1
        while self._in_flight:
            try:
                outcomes.append(self._done.get_nowait())
            except queue.Empty:
                break
            self._in_flight -= 1
        return outcomes

    def all_finished(self) -> list[Outcome]:
        """Wait for every message in flight; their outcomes."""
        outcomes = []
        while self._in_flight:
            outcomes.extend(self.finished(wait=True))
        return outcomes

    def close(self) -> list[Outcome]:
        """Wait for what is in flight, stop the threads and close their connections."""
        outcomes = self.all_finished()
        for _ in self._threads:
            self._todo.put(None)
        for thread in self._threads:
            thread.join()
        return outcomes

    def _run(self, connection) -> None:
        try:
            while True:
                item = self._todo.get()
                if item is None:
                    return
                message, email = item
                try:
                    # Opened once and kept (send_messages closes only what it opened itself).
                    connection.open()
                    connection.send_messages([email])
                except Exception as error:
                    close_quietly(connection)
                    self._done.put(Outcome(message, error))
                    continue
                failpoints.reached("handed_over")
                self._done.put(Outcome(message, None))
        finally:
            close_quietly(connection)


def close_quietly(connection) -> None:
    """Close a connection that may already be broken (then forget its socket)."""
    try:
        connection.close()
    except Exception:
        if hasattr(connection, "connection"):
            connection.connection = None
