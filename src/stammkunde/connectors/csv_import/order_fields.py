"""The cells of an orders file that need more than a strip: the status word and the order time.

Pure, no database: the reader (``order_rows``) checks each order's first row with these, and
only its rejection messages live there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from stammkunde.connectors.csv_import import parsing
from stammkunde.core import plausible
from stammkunde.shop.models import OrderStatus

STATUSES = frozenset(OrderStatus.values)
# Status words of German shop exports (and English variants) -> the order status.
STATUS_WORDS = {
    "canceled": OrderStatus.CANCELLED.value,
    "storniert": OrderStatus.CANCELLED.value,
    "storno": OrderStatus.CANCELLED.value,
    "abgebrochen": OrderStatus.CANCELLED.value,
    "versendet": OrderStatus.SHIPPED.value,
    "versandt": OrderStatus.SHIPPED.value,
    "verschickt": OrderStatus.SHIPPED.value,
    "bezahlt": OrderStatus.PAID.value,
    "geliefert": OrderStatus.DELIVERED.value,
    "zugestellt": OrderStatus.DELIVERED.value,
    "retoure": OrderStatus.RETURNED.value,
    "retourniert": OrderStatus.RETURNED.value,
    "zurückgesendet": OrderStatus.RETURNED.value,
    "offen": OrderStatus.PLACED.value,
    "neu": OrderStatus.PLACED.value,
    "bestellt": OrderStatus.PLACED.value,
    "eingegangen": OrderStatus.PLACED.value,
    "in bearbeitung": OrderStatus.PLACED.value,
}
PLACED = OrderStatus.PLACED.value
CANCELLED = OrderStatus.CANCELLED.value

# Distinct order times kept parsed; the rows of an order repeat its time.
MOMENT_CACHE_SIZE = 65_536


def order_status(cell: str, *, cancellation: bool) -> str:
    """The order status a (stripped) status cell means: a status value or a known status word,
    empty for placed, always cancelled for a cancellation; anything else is returned as written
    (lower case) and is not in STATUSES."""
    if cancellation:
        return CANCELLED
    status = cell.lower() or PLACED
    return STATUS_WORDS.get(status, status)


class OrderTimes:
    """The order times of one file, read and checked once per distinct text, ready for the
    database (``adapt_datetime``).

    Every order has its own time, so this runs once per order, not per line: the checks of
    ``parsing.check_moment`` (from 1970 up to ``now`` and a few minutes) are two comparisons of
    the UTC moment against bounds computed once, and the full check runs only for a time
    outside them, for its message.
    """

    def __init__(
        self, *, time_zone: ZoneInfo, now: datetime, adapt_datetime: Callable[[datetime], Any]
    ) -> None:
        self.time_zone = time_zone
        self.now = now
        self._adapt = adapt_datetime
        self._earliest = plausible.EARLIEST_MOMENT
        # Both rules at once: plausible's day ahead and the import's few minutes of clock skew.
        self._latest = now + min(plausible.FUTURE_ALLOWANCE, parsing.FUTURE_TOLERANCE)
        self._known: dict[str, Any] = {}

    def get(self, text: str) -> Any:
        """The time written ``text`` (stripped), ready for the database; raises
        ``parsing.FieldError`` for a time that cannot be read or that no shop could mean."""
        known = self._known.get(text)
        if known is None:
            known = self._read(text)
            if len(self._known) >= MOMENT_CACHE_SIZE:
                self._known.clear()
            self._known[text] = known
        return known

    def _read(self, text: str) -> Any:
        moment = parsing.parse_datetime(text, default_tz=self.time_zone)
        try:
            # The UTC moment is what gets stored and what the bounds compare.
            utc = moment.astimezone(UTC)
        except (OverflowError, ValueError):
            utc = None
        if utc is None or not self._earliest <= utc <= self._latest:
            parsing.check_moment(moment, now=self.now, written=text)
            # The checks' own rules are authoritative; if they let it pass, so does this.
            utc = moment
        return self._adapt(utc)
