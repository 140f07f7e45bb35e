"""Per-domain sending rate limits (plain): at most N messages per minute to one domain.

Large mailbox providers throttle senders who deliver too fast; the worker asks before each
message and puts it back until the window frees up. The limits are per worker process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

WINDOW_SECONDS = 60.0


class DomainLimiter:
    """Sliding one-minute windows per recipient domain. ``limits`` maps a domain to its
    messages per minute; ``default`` applies to the rest (0: unlimited)."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        default: int = 0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.limits = {domain.lower(): int(limit) for domain, limit in (limits or {}).items()}
        self.default = int(default)
        if any(limit < 0 for limit in self.limits.values()) or self.default < 0:
            raise ValueError("a rate limit must not be negative")
        self._clock = clock or time.monotonic
        self._sent: dict[str, deque[float]] = {}

    def limit(self, domain: str) -> int:
        return self.limits.get(domain.lower(), self.default)

    def wait_seconds(self, domain: str) -> float:
        """0 when a message to ``domain`` may go now, else how long until it may."""
        limit = self.limit(domain)
        if limit == 0:
            return 0.0
        now = self._clock()
        sent = self._sent.setdefault(domain.lower(), deque())
        while sent and now - sent[0] >= WINDOW_SECONDS:
            sent.popleft()
        if len(sent) < limit:
            return 0.0
        return WINDOW_SECONDS - (now - sent[0])

    def record(self, domain: str) -> None:
        """Count a message handed over for ``domain``."""
        if self.limit(domain):
            self._sent.setdefault(domain.lower(), deque()).append(self._clock())
