"""Turns at SQLite's one write lock: the web requests' writes go before the background workers'.

On SQLite every write takes one lock for the whole database. During a webhook flood the worker
that drains the inbox commits many short transactions, at a lower CPU priority than the web
processes (``serve``'s WORKER_NICE), so each holds the lock a few times longer than its CPU
time. Every transaction of one benchmarks/load.py run timed (default size, a busy machine): the
workers held the lock for 187 of 221 seconds, and a page's one audit INSERT or a webhook's one
INSERT waited behind them in SQLite's busy handler, which polls with sleeps of up to 100 ms.

The turns are kept with ``flock`` on a file beside the database (``<database>-turns``):

- a web writer (the default role) holds the file lock *shared* while it waits for and holds
  SQLite's lock: any number of them at once, as SQLite orders them among themselves; and it
  waits while a background transaction holds the file lock, looking again every few
  milliseconds, so it writes right after that transaction ends instead of polling SQLite's
  lock with ever longer sleeps;
- a background writer (``stammkunde worker`` sets the role) takes the file lock *exclusively*
  for its whole transaction, and so waits until no web writer waits or writes; but only for
  ``BACKGROUND_PATIENCE``: after that it goes ahead without the file lock and queues at SQLite's
  lock like everyone did before, so a steady stream of web writes never stops the background
  work.

Only the order of waiting changes: SQLite's own lock still makes every write safe, and a
process that does not take turns (the ``sqlite3`` shell, a backup) is still ordered by it.
Each thread uses its own open file (a flock belongs to the open file, not the process).
"""

from __future__ import annotations

import fcntl
import functools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FOREGROUND = "foreground"
BACKGROUND = "background"

# How long a background writer lets web writers go first before it queues at SQLite's lock
# with them. Long enough for the burst of writes that one page or a few webhooks make; short
# against the worker's own pace (a drain transaction every few tens of milliseconds).
BACKGROUND_PATIENCE = 0.25
# How long a web writer waits for a background transaction to end: as long as SQLite's busy
# timeout (settings). After that it queues at SQLite's lock, which gives up after its own
# timeout with "database is locked", as before: a background transaction that hangs does not
# hang the web requests for longer than it did without turns.
FOREGROUND_PATIENCE = 30.0
# A waiting writer looks again after this long, doubling up to the cap: a web writer is on its
# way within a few milliseconds of a background transaction's end.
FIRST_LOOK = 0.0005
LOOK_CAP = 0.004

_role = FOREGROUND
_sleep = time.sleep  # one waiting writer's pause (tests count them)


def set_role(role: str) -> None:
    """Make this process's writers web (``FOREGROUND``) or background (``BACKGROUND``) writers."""
    global _role
    if role not in (FOREGROUND, BACKGROUND):
        raise ValueError(f"unknown writer role {role!r}")
    _role = role


def role() -> str:
    """This process's writer role."""
    return _role


class _File:
    """One thread's open lock file (closed when the thread's local data goes)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def __del__(self, close=os.close) -> None:  # os may be gone at interpreter exit
        close(self.fd)


class WriteTurns:
    """The turns at the write lock of one SQLite database file."""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self._local = threading.local()

    def _fd(self) -> int:
        file = getattr(self._local, "file", None)
        if file is None:
            file = self._local.file = _File(self.lock_path)
        return file.fd

    def take(self, role: str | None = None) -> bool:
        """Wait for this thread's turn to write; True when the file lock is held (give it back
        with ``give_back``), False when the writer ran out of patience and goes without."""
        if (role or _role) == FOREGROUND:
            return _take(self._fd(), fcntl.LOCK_SH, FOREGROUND_PATIENCE)
        return _take(self._fd(), fcntl.LOCK_EX, BACKGROUND_PATIENCE)

    def give_back(self) -> None:
        """End this thread's turn (after its COMMIT or ROLLBACK)."""
        fcntl.flock(self._fd(), fcntl.LOCK_UN)

    @contextmanager
    def turn(self, role: str | None = None) -> Iterator[None]:
        """One write statement or transaction in this thread's turn."""
        held = self.take(role)
        try:
            yield
        finally:
            if held:
                self.give_back()


def _take(fd: int, mode: int, patience: float) -> bool:
    """Take the file lock in ``mode`` within ``patience`` seconds (looking again and again, never
    queueing in the kernel: a waiting background writer must not hold back web writers that
    come after it, and no wait may be endless)."""
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    deadline = time.monotonic() + patience
    pause = FIRST_LOOK
    while time.monotonic() < deadline:
        _sleep(pause)
        pause = min(pause * 2, LOOK_CAP)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            continue
    return False


@functools.cache
def for_database(name: str) -> WriteTurns | None:
    """The turns of the SQLite database file ``name``; None for an in-memory database."""
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    path = Path(name)
    return WriteTurns(f"{path}-turns")
