"""Business-time arithmetic for response-time standards (no database).

A :class:`BusinessCalendar` says when the service desk is open: intervals per weekday (several a
day, e.g. a lunch break), German public holidays of one Bundesland (the ``holidays`` package),
company holidays, and the time zone the opening hours are meant in. The functions answer:

- when is a case due that arrived at T with N business minutes to go (:func:`add_business_time`),
- how much business time has passed between two instants (:func:`business_time_between`),
- the default standard "answered the same business day" (:func:`same_business_day_due`),

each optionally with *pauses*: intervals in which the clock stops (waiting for the customer).

Every computation runs on aware datetimes: opening hours are built as local wall-clock times and
converted to UTC, and durations are measured in UTC. So a working day stays nine real hours
across a DST change, and a desk open around the clock has a 23-hour day in March and a 25-hour
day in October, which is what the customer actually waited.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

# Opening hours ending at midnight: write the end as 00:00 ("09:00-24:00").
MIDNIGHT = time(0, 0)
# How far ahead a computation may look for an open hour before it gives up: a calendar closed
# for longer than this is a configuration error, not a reason to loop for ever.
SEARCH_LIMIT = timedelta(days=3 * 366)
SUBDIVISIONS = frozenset(holidays.Germany.subdivisions)
# Mariä Himmelfahrt (15 August) is a holiday in Bavaria's predominantly catholic municipalities,
# which is most of them, Munich included; ``holidays`` files it under the "catholic" category.
DEFAULT_CATEGORIES = {"BY": ("public", "catholic")}

Interval = tuple[datetime, datetime]
# A pause is (start, end); end None means it is still running (the clock is stopped now).
Pause = tuple[datetime, datetime | None]


class CalendarError(ValueError):
    """The calendar or an argument cannot be used; the message says why. Messages about the
    calendar itself reach the team lead who set it up and are translated; those about the
    arguments of a call are programming errors and stay English."""


def _weekday_intervals(hours: Sequence[tuple[time, time]], weekday: int) -> tuple:
    checked = []
    day_name = WEEKDAYS.get(weekday, weekday)
    for start, end in sorted(hours):
        if not (isinstance(start, time) and isinstance(end, time)):
            raise CalendarError(
                _("%(weekday)s: opening hours must be pairs of times") % {"weekday": day_name}
            )
        if start.tzinfo is not None or end.tzinfo is not None:
            raise CalendarError(_("Opening hours are clock times without a time zone."))
        if end != MIDNIGHT and end <= start:
            raise CalendarError(
                _("%(weekday)s: opening at %(start)s is not before closing at %(end)s")
                % {"weekday": day_name, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
        if checked and (checked[-1][1] == MIDNIGHT or start < checked[-1][1]):
            raise CalendarError(_("%(weekday)s: opening hours overlap") % {"weekday": day_name})
        checked.append((start, end))
    return tuple(checked)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk is open. Validated on construction (bad values raise CalendarError).

    ``opening_hours`` maps weekday (0 = Monday) to (opening, closing) pairs; a weekday missing
    from the map is closed. ``subdivision`` is a Bundesland code (``"BY"``, ``"NW"``, ...) or
    None for the nationwide holidays only. ``company_holidays`` holds dates or inclusive
    (first, last) date ranges. ``holiday_categories`` None means the usual set of the
    Bundesland (public holidays; in Bavaria also Mariä Himmelfahrt).
    """

    opening_hours: Mapping[int, Sequence[tuple[time, time]]]
    subdivision: str | None = None
    company_holidays: Sequence[date | tuple[date, date]] = ()
    time_zone: str = "Europe/Berlin"
    holiday_categories: tuple[str, ...] | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _closed_ranges: tuple[tuple[date, date], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hours = {}
        for weekday, intervals in dict(self.opening_hours).items():
            if weekday not in range(7):
                raise CalendarError(
                    _("A weekday is 0 (Monday) to 6 (Sunday), not %(weekday)r.")
                    % {"weekday": weekday}
                )
            if intervals:
                hours[weekday] = _weekday_intervals(intervals, weekday)
        if not hours:
            raise CalendarError(_("The desk has no opening hours on any weekday."))
        object.__setattr__(self, "opening_hours", hours)
        if self.subdivision is not None and self.subdivision not in SUBDIVISIONS:
            raise CalendarError(_("Unknown federal state %(code)r.") % {"code": self.subdivision})
        try:
            object.__setattr__(self, "_zone", ZoneInfo(self.time_zone))
        except (ZoneInfoNotFoundError, ValueError) as error:
            message = _("Unknown time zone %(zone)r.") % {"zone": self.time_zone}
            raise CalendarError(message) from error
        ranges = []
        for entry in self.company_holidays:
            first, last = entry if isinstance(entry, tuple) else (entry, entry)
            if not (isinstance(first, date) and isinstance(last, date)):
                raise CalendarError(_("Company holidays are dates or (first, last) date pairs."))
            if last < first:
                raise CalendarError(
                    _("Company holidays from %(first)s to %(last)s end before they start.")
                    % {"first": first.isoformat(), "last": last.isoformat()}
                )
            ranges.append((first, last))
        object.__setattr__(self, "_closed_ranges", tuple(ranges))
        categories = self.holiday_categories or DEFAULT_CATEGORIES.get(
            self.subdivision, ("public",)
        )
        object.__setattr__(self, "holiday_categories", tuple(categories))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def public_holidays(self, year: int) -> frozenset[date]:
        """The public holidays of ``year`` that close the desk."""
        return _public_holidays(self.subdivision, self.holiday_categories, year)

    def is_closed_day(self, day: date) -> bool:
        """True on a weekday without hours, a public holiday or a company holiday."""
        if day.weekday() not in self.opening_hours:
            return True
        if day in self.public_holidays(day.year):
            return True
        return any(first <= day <= last for first, last in self._closed_ranges)

    def day_intervals(self, day: date) -> list[Interval]:
        """The open intervals of a local calendar day, as UTC instants (empty when closed)."""
        if self.is_closed_day(day):
            return []
        intervals = []
        for start, end in self.opening_hours[day.weekday()]:
            end_day = day + timedelta(days=1) if end == MIDNIGHT else day
            intervals.append(
                (
                    datetime.combine(day, start, tzinfo=self._zone).astimezone(UTC),
                    datetime.combine(end_day, end, tzinfo=self._zone).astimezone(UTC),
                )
            )
        return intervals


@functools.lru_cache(maxsize=256)
def _public_holidays(subdivision: str | None, categories: tuple[str, ...], year: int) -> frozenset:
    # Building a holiday table costs about a millisecond; SLA checks ask thousands of times.
    table = holidays.country_holidays("DE", subdiv=subdivision, years=year, categories=categories)
    return frozenset(table)


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise CalendarError(f"{name} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"{name} must be time-zone aware")
    return moment.astimezone(UTC)


def _open_intervals(calendar: BusinessCalendar, start: datetime) -> Iterator[Interval]:
    """Open intervals from ``start`` (UTC) onward, in order, the first one clipped to start."""
    # Begin one local day early: an interval of the previous local day may still be running.
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last_day = day + SEARCH_LIMIT
    while day <= last_day:
        for opening, closing in calendar.day_intervals(day):
            if closing > start:
                yield max(opening, start), closing
        day += timedelta(days=1)
    raise CalendarError(
        f"the desk is closed for more than {SEARCH_LIMIT.days} days from {start.date()}"
    )


def _normalized_pauses(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime | None]]:
    """Pauses in UTC, sorted and merged; an open pause swallows everything after its start."""
    checked = []
    for number, (start, end) in enumerate(pauses, start=1):
        start = _aware(start, f"pause {number} start")
        if end is not None:
            end = _aware(end, f"pause {number} end")
            if end < start:
                raise CalendarError(f"pause {number} ends before it starts")
        checked.append((start, end))
    checked.sort(key=lambda pause: pause[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for start, end in checked:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            previous_start, previous_end = merged[-1]
            merged_end = None if end is None or previous_end is None else max(end, previous_end)
            merged[-1] = (previous_start, merged_end)
        else:
            merged.append((start, end))
    return merged


def _running_intervals(
    calendar: BusinessCalendar, start: datetime, pauses: Iterable[Pause]
) -> Iterator[Interval]:
    """Open intervals from ``start`` with the pauses cut out; ends at a pause still running."""
    remaining_pauses = _normalized_pauses(pauses)
    for opening, closing in _open_intervals(calendar, start):
        cursor = opening
        while remaining_pauses and remaining_pauses[0][1] is not None:
            if remaining_pauses[0][1] <= cursor:
                remaining_pauses.pop(0)
            else:
                break
        for pause_start, pause_end in remaining_pauses:
            if pause_start >= closing:
                break
            if pause_start > cursor:
                yield cursor, pause_start
            if pause_end is None:
                return
            cursor = max(cursor, pause_end)
            if cursor >= closing:
                break
        if cursor < closing:
            yield cursor, closing


def add_business_time(
    calendar: BusinessCalendar,
    start: datetime,
    duration: timedelta,
    *,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The instant at which ``duration`` of business time has run from ``start``.

    Time outside opening hours and inside ``pauses`` does not count. Returns None when the
    clock is stopped by a pause that is still running before the time is used up: there is no
    due time while the case waits for the customer. A zero duration from a closed moment gives
    the next opening.
    """
    start = _aware(start, "start")
    if not isinstance(duration, timedelta) or duration < timedelta(0):
        raise CalendarError("the business time to add must be a timedelta of zero or more")
    remaining = duration
    for opening, closing in _running_intervals(calendar, start, pauses):
        if closing - opening >= remaining:
            return opening + remaining
        remaining -= closing - opening
    return None


def add_business_minutes(
    calendar: BusinessCalendar,
    start: datetime,
    minutes: int,
    *,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """:func:`add_business_time` for a whole number of minutes (the form standards are set in)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise CalendarError("business minutes must be a whole number of zero or more")
    return add_business_time(calendar, start, timedelta(minutes=minutes), pauses=pauses)


def business_time_between(
    calendar: BusinessCalendar,
    start: datetime,
    end: datetime,
    *,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Business time that passed from ``start`` to ``end``, without the pauses."""
    start, end = _aware(start, "start"), _aware(end, "end")
    if end < start:
        raise CalendarError("the end lies before the start")
    elapsed = timedelta(0)
    for opening, closing in _running_intervals(calendar, start, pauses):
        if opening >= end:
            break
        elapsed += min(closing, end) - opening
    return elapsed


def is_open(calendar: BusinessCalendar, moment: datetime) -> bool:
    """True if the desk is open at ``moment``."""
    moment = _aware(moment, "moment")
    day = moment.astimezone(calendar.zone).date()
    return any(
        opening <= moment < closing
        for check_day in (day - timedelta(days=1), day)
        for opening, closing in calendar.day_intervals(check_day)
    )


def next_opening(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """``moment`` itself if the desk is open then, else the next time it opens."""
    opening, _closing = next(_open_intervals(calendar, _aware(moment, "moment")))
    return opening


def end_of_business_day(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """The last closing of the business day that ``moment`` belongs to.

    A moment before the day's last closing on an open day belongs to that day (also before
    opening and in a lunch break); a moment after it, or on a closed day, belongs to the next
    open day.
    """
    moment = _aware(moment, "moment")
    # The first open interval from ``moment`` on lies on the business day in question (an
    # interval never runs past its own day's midnight, so its start names the day).
    opening, _closing = next(_open_intervals(calendar, moment))
    local_day = opening.astimezone(calendar.zone).date()
    return calendar.day_intervals(local_day)[-1][1]


def same_business_day_due(
    calendar: BusinessCalendar,
    arrived_at: datetime,
    *,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The default standard: answered by the end of the business day the case arrived on.

    With pauses the target moves by the business time the clock stood still (as for any other
    standard); None while a pause is still running past the budget.
    """
    pauses = list(pauses)
    target = end_of_business_day(calendar, arrived_at)
    if not pauses:
        return target
    budget = business_time_between(calendar, arrived_at, target)
    return add_business_time(calendar, arrived_at, budget, pauses=pauses)


def weekday_hours(
    opening: time, closing: time, weekdays: Iterable[int] = range(5)
) -> dict[int, tuple[tuple[time, time], ...]]:
    """Opening hours with the same interval on each of ``weekdays`` (Monday to Friday)."""
    return dict.fromkeys(weekdays, ((opening, closing),))


def calendar_from_stored(
    opening_hours: Mapping[str, Sequence[Sequence[str]]] | None,
    subdivision: str | None,
    company_holidays: Sequence[str | Sequence[str]] | None,
    time_zone: str,
) -> BusinessCalendar:
    """A calendar from the JSON a team stores (``Team.calendar``; also the migrations, which
    have the stored values but not the model's methods): weekdays as strings ("0" = Monday)
    to ["HH:MM", "HH:MM"] pairs, holidays as ISO dates or [first, last] ranges."""
    hours = {
        int(day): [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in pairs]
        for day, pairs in (opening_hours or {}).items()
    }
    closed = [
        (date.fromisoformat(entry[0]), date.fromisoformat(entry[-1]))
        if isinstance(entry, list)
        else date.fromisoformat(entry)
        for entry in (company_holidays or [])
    ]
    return BusinessCalendar(
        opening_hours=hours,
        subdivision=subdivision or None,
        company_holidays=closed,
        time_zone=time_zone,
    )
