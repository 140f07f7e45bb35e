"""How often one sender may use the public case form (no database).

A person writes once, perhaps twice more to add something; a bot writes hundreds of times a
minute. The limits count one sender's accepted submissions in sliding windows; whoever is over
one of them is refused (HTTP 429) until the oldest submission in that window ages out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    length: timedelta
    allowed: int


DEFAULT_WINDOWS = (Window(timedelta(minutes=10), 3), Window(timedelta(days=1), 10))


def longest(windows: Sequence[Window] = DEFAULT_WINDOWS) -> timedelta:
    return max(window.length for window in windows)


def retry_after(
    recent: Sequence[datetime], now: datetime, windows: Sequence[Window] = DEFAULT_WINDOWS
) -> timedelta | None:
    """None when one more submission is allowed, else how long until it is.

    ``recent`` are the sender's accepted submissions (at least those within the longest window).
    """
    wait = None
    for window in windows:
        inside = sorted(moment for moment in recent if moment > now - window.length)
        if len(inside) >= window.allowed:
            # The window frees up when the oldest submission that fills it ages out.
            frees_at = inside[len(inside) - window.allowed] + window.length
            pause = max(frees_at - now, timedelta(seconds=1))
            wait = pause if wait is None else max(wait, pause)
    return wait
