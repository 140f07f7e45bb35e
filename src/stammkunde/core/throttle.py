"""How often one sender may do something: sliding windows over their accepted attempts (no
database; the callers read the moments from their own records).

A person writes the desk's web form once, perhaps twice more to add something, and asks for a
password reset once; a bot does either hundreds of times a minute. Whoever is over one of the
windows is refused (HTTP 429) until the oldest attempt in that window ages out. Used by the
web form (``service/services/web_form.py``) and the staff password reset
(``logins/services.py``).
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
