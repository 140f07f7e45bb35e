"""The cells of an orders file that need more than a strip: the status word and the order time.

Pure, no database: the reader (``order_rows``) checks each order's first row with these, and
only its rejection messages live there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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

    The times shops export (``2025-12-24 13:45:00``, local, no offset) take a fast path: the
    zone's UTC offset is looked up once per local hour, not once per time, and subtracted from
    the naive time, which ``adapt_utc_datetime`` (naive UTC -> database value) stores without
    an aware datetime in between; that is a third of what the general path costs.
    """

    def __init__(
        self,
        *,
        time_zone: ZoneInfo,
        now: datetime,
        adapt_datetime: Callable[[datetime], Any],
        adapt_utc_datetime: Callable[[datetime], Any] | None = None,
    ) -> None:
        self.time_zone = time_zone
        self.now = now
        self._adapt = adapt_datetime
        self._adapt_utc = adapt_utc_datetime or (
            lambda naive: adapt_datetime(naive.replace(tzinfo=UTC))
        )
        self._earliest = plausible.EARLIEST_MOMENT
        # Both rules at once: plausible's day ahead and the import's few minutes of clock skew.
        self._latest = now + min(plausible.FUTURE_ALLOWANCE, parsing.FUTURE_TOLERANCE)
        # The same bounds for the fast path's naive UTC times.
        self._earliest_naive = self._earliest.astimezone(UTC).replace(tzinfo=None)
        self._latest_naive = self._latest.astimezone(UTC).replace(tzinfo=None)
        self._known: dict[str, Any] = {}
        # Local hour ("2025-12-24 13") -> the zone's UTC offset throughout it; None for an
        # hour in which it changes (the clock change), whose times take the general path.
        self._offsets: dict[str, timedelta | None] = {}

    def get(self, text: str) -> Any:
        """The time written ``text`` (stripped), ready for the database; raises
        ``parsing.FieldError`` for a time that cannot be read or that no shop could mean."""
        known = self._known.get(text)
        if known is None:
            known = self._read_local(text)
            if known is None:
                known = self._read(text)
            if len(self._known) >= MOMENT_CACHE_SIZE:
                self._known.clear()
            self._known[text] = known
        return known

    def _read_local(self, text: str) -> Any:
        """The fast path: ``text`` as an ISO local time without offset, in an hour of one UTC
        offset and within the bounds, ready for the database; None for anything else, which
        the general path reads (and rejects, if it must)."""
        # "YYYY-MM-DD HH...": the first 13 characters name the local hour.
        if len(text) < 16 or text[4] != "-" or text[7] != "-" or text[10] not in " T":
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is not None:
            return None
        hour = text[:13]
        offset = self._offsets.get(hour, False)
        if offset is False:
            offset = self._offsets[hour] = self._offset_of_hour(moment)
        if offset is None:
            return None
        try:
            utc = moment - offset
        except OverflowError:
            return None  # around year 1 or 9999: the general path says why it is refused
        if not self._earliest_naive <= utc <= self._latest_naive:
            return None
        return self._adapt_utc(utc)

    def _offset_of_hour(self, moment: datetime) -> timedelta | None:
        """The zone's UTC offset throughout the local hour of (naive) ``moment``, or None if
        it differs anywhere in it: at its start and end, and for both readings of a time the
        clock change makes ambiguous (``fold``). Zones change their offset at most once an
        hour, so equal offsets at both ends mean one offset throughout."""
        start = moment.replace(minute=0, second=0, microsecond=0)
        end = start.replace(minute=59, second=59, microsecond=999_999)
        zone = self.time_zone
        offsets = {
            zone.utcoffset(point.replace(fold=fold)) for point in (start, end) for fold in (0, 1)
        }
        return offsets.pop() if len(offsets) == 1 else None

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
