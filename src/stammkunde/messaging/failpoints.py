"""Named points in the worker where a test can have the process killed (SIGKILL).

``STAMMKUNDE_MESSAGING_KILL_AT=<point>:<n>`` kills the worker at the n-th time it passes
``<point>``; unset (always, outside the fault tests) this costs one dictionary lookup. The
fault test (tests/messaging/test_worker_killed.py) walks every point of a campaign-sized batch.
"""

from __future__ import annotations

import os
import signal

POINTS = ("claimed", "sending", "handed_over", "sent")
_passed: dict[str, int] = {}


def reached(point: str) -> None:
    """Mark that the worker passed ``point``; die here if the environment asks for it."""
    wanted = os.environ.get("STAMMKUNDE_MESSAGING_KILL_AT")
    if not wanted:
        return
    name, _, count = wanted.partition(":")
    if name != point:
        return
    _passed[point] = _passed.get(point, 0) + 1
    if _passed[point] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
