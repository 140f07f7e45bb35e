"""Running a producer of picklable items in a forked child process, consumed here one by one.

The import of a large file reads and checks its rows in a child while this process writes the
batches before: the csv module and the checks are Python, bound to one core by the GIL, and so
is the writing. A pipe carries one item at a time; the child blocks on it until this process
takes the item, so at most two batches are in memory and the child is one ahead at most.
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any


class ChildFailed(RuntimeError):
    """The child process raised or died; the message carries its traceback or exit code."""


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
        process = context.Process(target=_run_child, args=(sender, self.produce, self.finish))
        process.daemon = True
        process.start()
        sender.close()
        self._process, self._receiver = process, receiver
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                process.join()
                raise ChildFailed(
                    f"the reading process ended without a result (exit code {process.exitcode})"
                ) from None
            if kind == "item":
                yield payload
            elif kind == "done":
                self.result = payload
                process.join()
                return
            else:
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
    sender: Connection, produce: Callable[[], Iterator[Any]], finish: Callable[[], Any]
) -> None:
    try:
        for item in produce():
            sender.send(("item", item))
        sender.send(("done", finish()))
    except BrokenPipeError:
        pass  # the parent stopped listening: it failed or was interrupted, and says why
    except BaseException:
        sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()
