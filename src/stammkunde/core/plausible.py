"""One rule for the dates, times and amounts that come in from outside.

Every boundary (the webhook mapping, the REST API's schemas, the CSV import) checks its values
with these functions, so that a value no shop could have meant is refused where it arrives,
with the field and the reason, instead of failing later in the database: a time before 1970
(``0001-01-01T00:00:00+14:00`` overflows when converted to UTC, and PostgreSQL would store a
year-1 date that breaks every report), a time far in the future, an amount that is not a
number, negative where it cannot be, or larger than the money columns hold (14 digits, two
after the point).

Pure functions, no database. ``Implausible`` names the field and says why; each boundary turns
it into its own kind of error (a parked delivery, a 422, a rejected row).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

# Business facts (orders, shipments, refunds, consent changes) of a shop: no online shop sold
# anything before 1970, and Unix times start there.
EARLIEST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
# Clocks of shops and of this server differ; a day covers every time zone and a wrong clock.
FUTURE_ALLOWANCE = timedelta(days=1)
# A birthday is older than any order, but not older than the oldest living person.
EARLIEST_BIRTHDAY = date(1900, 1, 1)
# The money columns hold 14 digits with 2 after the point: every amount stays below 10^12.
MAX_AMOUNT = Decimal("1000000000000")


class Implausible(ValueError):
    """A value outside what the field can mean; ``field`` names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_moment(
    value: datetime,
    field: str,
    *,
    now: datetime | None = None,
    earliest: datetime = EARLIEST_MOMENT,
) -> datetime:
    """Return ``value`` if it is a time-zone aware moment from 1970 up to a day from now.

    A naive time is refused: the boundaries decide which zone a time without offset means.
    """
    if not isinstance(value, datetime):
        raise Implausible(field, _("is not a date and time."))
    if value.tzinfo is None or value.utcoffset() is None:
        raise Implausible(field, _("has no time zone."))
    try:
        # The UTC moment is what gets stored; year 1 with a positive offset has none.
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Implausible(field, _("is out of range.")) from None
    if moment < earliest:
        raise Implausible(
            field, _("is before %(earliest)s.") % {"earliest": earliest.date().isoformat()}
        )
    if moment > (now or datetime.now(UTC)) + FUTURE_ALLOWANCE:
        raise Implausible(field, _("is more than a day in the future."))
    return value


def check_day(
    value: date,
    field: str,
    *,
    today: date | None = None,
    earliest: date = EARLIEST_BIRTHDAY,
) -> date:
    """Return the calendar day ``value`` if it lies from ``earliest`` up to today (a birthday)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise Implausible(field, _("is not a date."))
    if value < earliest:
        raise Implausible(field, _("is before %(earliest)s.") % {"earliest": earliest.isoformat()})
    if value > (today or datetime.now(UTC).date()) + FUTURE_ALLOWANCE:
        raise Implausible(field, _("is in the future."))
    return value


def check_amount(
    value: Any,
    field: str,
    *,
    signed: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """Return ``value`` as a Decimal if it is a finite amount below ``maximum`` (by absolute
    value), and not negative unless ``signed``.

    Floats are taken by their shortest repr (what a client that parsed JSON as floats meant);
    booleans are no amounts.
    """
    # Decimal first and without isinstance chains: the webhook mapping checks every amount of
    # every delivery here.
    amount = value if type(value) is Decimal else _decimal(value, field)
    if not amount.is_finite():
        raise Implausible(field, _("is not a finite number."))
    if amount < 0 and not signed:
        raise Implausible(field, _("is negative."))
    if amount >= maximum or amount <= -maximum:
        raise Implausible(
            field, _("is out of range (it must be below %(max)s).") % {"max": maximum}
        )
    return amount


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise Implausible(field, _("is not an amount."))
    if isinstance(value, float):
        value = repr(value)
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise Implausible(field, _("is not an amount.")) from None
