"""Running a producer of picklable items in a forked child process, consumed here one by one.

The import of a large file reads and checks its rows in a child while this process writes the
batches before: the csv module and the checks are Python, bound to one core by the GIL, and so
is the writing. A pipe carries one item at a time; the child blocks on it until this process
takes the item, so at most two batches are in memory and the child is one ahead at most.

A killed import (SIGKILL, SIGTERM) leaves nothing behind: the child dies with its parent (the
kernel's parent-death signal, and a broken pipe), and it lets go of what the fork copied at
once. Above all the parent's database connections: a child that kept a PostgreSQL socket open
would keep the killed import's session, its open transaction and its locks alive, and a re-run
would wait on them. The child closes its copy of the socket without a word to the server (no
Terminate message, which would end the parent's session too), and its copy of the pipe's
reading end, so that its writes fail once the parent is gone.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any


class ChildFailed(RuntimeError):
    """The child process raised or died; the message carries its traceback or exit code."""


class _Finished(Exception):
    """The child sent its result: the end of the items."""


def available() -> bool:
    """Whether a child can be forked: on Linux; elsewhere forking a process with threads is
    unsafe (macOS) or impossible (Windows), and the import reads in its own process."""
    return sys.platform.startswith("linux")


class Producer:
    """Iterate ``produce()`` in a forked child; afterwards ``result`` is ``finish()``'s value
    computed in the child.

    The child shares nothing with this process but what the fork copied: ``produce`` must not
    touch the database connection, and whatever it writes (files) it must close in ``finish``.
    Close the producer (``contextlib.closing``) to stop the child early.
    """

    def __init__(self, produce: Callable[[], Iterator[Any]], finish: Callable[[], Any]) -> None:
        self.produce = produce
        self.finish = finish
        self.result: Any = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receiver: Connection | None = None

    def __iter__(self) -> Iterator[Any]:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        # What is buffered would be written a second time by the child's exit.
        sys.stdout.flush()
        sys.stderr.flush()
        process = context.Process(
            target=_run_child,
            args=(sender, receiver, os.getpid(), self.produce, self.finish),
        )
        process.daemon = True
        process.start()
        sender.close()
        self._process, self._receiver = process, receiver
        try:
            while True:
                # Yielded straight from the call, not through a local variable: this frame
                # keeps no reference to the item while the consumer works on it, so the item
                # is freed as soon as the consumer lets go of it (before its garbage collection
                # between items, which would otherwise traverse it).
                yield self._receive(receiver, process)
        except _Finished:
            return

    def _receive(self, receiver: Connection, process: multiprocessing.process.BaseProcess) -> Any:
        """The next item from the child; raises _Finished (with ``result`` set) at its end and
        ChildFailed when it failed or died."""
        try:
            kind, payload = receiver.recv()
        except EOFError:
            process.join()
            raise ChildFailed(
                f"the reading process ended without a result (exit code {process.exitcode})"
            ) from None
        if kind == "item":
            return payload
        if kind == "done":
            self.result = payload
            process.join()
            raise _Finished
        raise ChildFailed(payload)

    def close(self) -> None:
        """Stop the child if it still runs and release the pipe."""
        if self._receiver is not None:
            self._receiver.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()


def _run_child(
    sender: Connection,
    receiver: Connection,
    parent_pid: int,
    produce: Callable[[], Iterator[Any]],
    finish: Callable[[], Any],
) -> None:
    _die_with_parent(parent_pid)
    receiver.close()
    _let_go_of_database_connections()
    _collect_between_items()
    try:
        for item in produce():
            sender.send(("item", item))
            # Traverses only what the child allocated and still holds (see
            # _collect_between_items): not the item, which is gone once sent.
            del item
            gc.collect()
        sender.send(("done", finish()))
    except BrokenPipeError:
        pass  # the parent stopped listening: it failed or was interrupted, and says why
    except BaseException:
        sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()


def _collect_between_items() -> None:
    """Leave the objects the fork copied to the parent and collect garbage only between items.

    The copies (Django's modules, models, settings: most of the heap) are never garbage here,
    yet every full collection would traverse them, and marking them would copy their pages;
    ``gc.freeze`` takes them out of collection. A producer allocates a few objects per row
    that live until its item is handed over, so automatic collections (one per 700 new
    objects, each traversing what survived) cost a sixth of the reading; a collection after
    each item, of what the child allocated, costs almost nothing.
    """
    gc.freeze()
    gc.disable()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), and end now if the
    parent died before that was asked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no prctl: the broken pipe still ends the child at its next batch
    if os.getppid() != parent_pid:
        os._exit(1)


# The connections copied from the parent, kept referenced so that they are never finalized
# here (finalizing a psycopg connection sends Terminate; closing an SQLite connection may
# checkpoint and delete the WAL the parent still uses). The child leaves with os._exit,
# which runs no finalizers.
_INHERITED: list[Any] = []


def _let_go_of_database_connections() -> None:
    """Drop the database connections the fork copied, without touching the parent's session:
    Django forgets them, and a PostgreSQL socket is closed here by putting /dev/null in its
    place (the parent's copy of the socket stays open; a stray write goes nowhere)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if raw is None:
            continue
        _INHERITED.append(raw)
        if connection.vendor == "postgresql":
            _replace_with_devnull(raw.pgconn.socket)
        connection.connection = None


def _replace_with_devnull(descriptor: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)
