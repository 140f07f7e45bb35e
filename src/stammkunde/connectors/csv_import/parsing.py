"""Field parsers for CSV imports: pure functions, no database.

Each parser takes the raw cell text and returns a Python value or raises ``FieldError`` with a
message meant for the person who made the file. German Excel exports and English exports are
both accepted: ``1.234,56`` and ``1,234.56`` are the same amount, ``24.12.2025`` and
``2025-12-24`` the same day.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
from django.utils.translation import gettext as _

from stammkunde.core import plausible

CENT = Decimal("0.01")

# A file may be written a few minutes after the clock of the machine that imports it.
FUTURE_TOLERANCE = timedelta(minutes=5)

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
# German dates, also with the two-digit year German Excel shows by default (24.12.25).
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
_GERMAN_DATETIME = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}),?[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$"
)
# A currency sign or code before or after an amount, as shops export prices ("7,50 €").
_CURRENCY = re.compile(r"^(?:€|EUR|£|GBP|\$|USD|CHF|Fr\.)|(?:€|EUR|£|GBP|\$|USD|CHF|Fr\.)$")
# One separator and exactly three digits after it, the part before not starting with 0:
# "1.234" is 1234 to a German reader and 1.234 to an English one.
_AMBIGUOUS = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")
DECIMAL_SEPARATORS = (".", ",")

TRUE_WORDS = frozenset({"1", "yes", "y", "true", "ja", "j", "x", "wahr"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "nein", "falsch", ""})


class FieldError(ValueError):
    """A cell that cannot be read; the message says why, in the user's language."""


_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def full_year(written: str, *, today: date | None = None) -> int:
    """The year as written; a two-digit one is this century unless that lies in the future
    (``25`` is 2025, ``98`` is 1998), as dates in a shop's export are never in the future.
    Four digits are taken as they are (``0001`` stays year 1, and is refused later)."""
    year = int(written)
    if len(written) != 2:
        return year
    today = today or date.today()
    full = today.year // 100 * 100 + year
    return full if full <= today.year else full - 100


def parse_decimal(text: str, *, decimal_separator: str = "") -> Decimal:
    """Read an amount written the German or the English way, with or without a currency sign
    (``7,50 €``, ``€7.50``, ``EUR 7,50``).

    With both separators present the last one is the decimal separator (``1.234,56``,
    ``1,234.56``). With one kind only, a single occurrence is the decimal separator (``12,50``,
    ``12.50``) and several are thousands separators (``1.234.567``). A single separator with
    exactly three digits after it (``1.234``, ``1,234``) is 1234 or 1.234 depending on who
    wrote it: without ``decimal_separator`` (``,`` or ``.``, the file's choice) it is refused
    as ambiguous, never guessed.
    """
    value = _SPACES.sub("", text or "").replace("'", "")
    value = _CURRENCY.sub("", value)
    if not value:
        raise FieldError(_("The value is empty."))
    sign_free = value.lstrip("+-")
    if decimal_separator:
        # With the file's decimal separator known, the other one can only group thousands.
        thousands = "," if decimal_separator == "." else "."
        if thousands in sign_free and decimal_separator not in sign_free:
            if not _grouped(sign_free, thousands):
                raise _not_a_number(text)
            value = value.replace(thousands, "")
    elif _AMBIGUOUS.fullmatch(sign_free):
        raise FieldError(
            _(
                "“%(value)s” is ambiguous: 1234 or 1.234? Choose the file's decimal separator "
                "(“,” or “.”) for the import."
            )
            % {"value": (text or "").strip()}
        )
    sign = ""
    if value[0] in "+-":
        sign, value = value[0].replace("+", ""), value[1:]
    last_dot, last_comma = value.rfind("."), value.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
        whole, _sep, fraction = value.rpartition(decimal_sep)
        thousands = "," if decimal_sep == "." else "."
        if not _grouped(whole, thousands) or not fraction.isdigit():
            raise _not_a_number(text)
        value = f"{whole.replace(thousands, '')}.{fraction}"
    elif value.count(",") == 1 or value.count(".") == 1:
        whole, _sep, fraction = value.replace(",", ".").partition(".")
        if not (whole.isdigit() or whole == "") or not fraction.isdigit():
            raise _not_a_number(text)
        value = f"{whole or '0'}.{fraction}"
    elif last_dot >= 0 or last_comma >= 0:
        separator = "." if last_dot >= 0 else ","
        if not _grouped(value, separator):
            raise _not_a_number(text)
        value = value.replace(separator, "")
    # ASCII digits only: str.isdigit() and \d also accept "²" or "٣", which are no amounts.
    if not _PLAIN_NUMBER.fullmatch(value):
        raise _not_a_number(text)
    return Decimal(sign + value)


def _grouped(whole: str, separator: str) -> bool:
    """Whether ``whole`` is digits in groups of three (``1.234.567``), or plain digits."""
    if separator not in whole:
        return whole.isdigit()
    return re.fullmatch(r"\d{1,3}(" + re.escape(separator) + r"\d{3})+", whole) is not None


def _not_a_number(text: str) -> FieldError:
    return FieldError(_("“%(value)s” is not a number.") % {"value": (text or "").strip()})


# Prices and quantities repeat across millions of lines; a bounded cache turns most cells into
# one dictionary lookup. Decimal and int are immutable, so sharing results is safe.
@functools.lru_cache(maxsize=16_384)
def parse_money(text: str, *, allow_negative: bool = False, decimal_separator: str = "") -> Decimal:
    """Read an amount and round it to cents (half up, as invoices do)."""
    amount = parse_decimal(text, decimal_separator=decimal_separator)
    if amount < 0 and not allow_negative:
        raise FieldError(_("The amount %(value)s is negative.") % {"value": text.strip()})
    try:
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        amount = plausible.MAX_AMOUNT
    if abs(amount) >= plausible.MAX_AMOUNT:
        # More than the money columns hold (core.plausible), e.g. a number pasted into the
        # price column.
        raise FieldError(_("The amount %(value)s is too large.") % {"value": text.strip()})
    return amount


@functools.lru_cache(maxsize=4_096)
def parse_quantity(text: str, *, decimal_separator: str = "") -> int:
    """Read a whole number of items; ``6.0`` (as spreadsheets export it) is 6. May be negative."""
    amount = parse_decimal(text, decimal_separator=decimal_separator)
    if amount != amount.to_integral_value():
        raise FieldError(_("The quantity %(value)s is not a whole number.") % {"value": text})
    if abs(amount) > 2_000_000_000:
        raise FieldError(_("The quantity %(value)s is too large.") % {"value": text.strip()})
    return int(amount)


def parse_date(text: str) -> date:
    """Read a day written as ``2025-12-24`` (ISO) or ``24.12.2025`` (German)."""
    value = (text or "").strip()
    if not value:
        raise FieldError(_("The date is empty."))
    german = _GERMAN_DATE.match(value)
    try:
        if german:
            day, month, year = german.groups()
            return date(full_year(year), int(month), int(day))
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(
            _("“%(value)s” is not a date (use 2025-12-24 or 24.12.2025).") % {"value": value}
        ) from None


def parse_datetime(text: str, *, default_tz: tzinfo) -> datetime:
    """Read a point in time; a time without offset is local time in ``default_tz``.

    Accepts ISO (``2025-12-24 13:45:00``, ``2025-12-24T13:45:00+01:00``), German
    (``24.12.2025 13:45``) and a bare date, which means midnight.
    """
    value = (text or "").strip()
    if not value:
        raise FieldError(_("The date is empty."))
    # A German date has no "-": an ISO one (2025-12-24) skips both patterns.
    iso = value[4:5] == "-"
    german = None if iso else _GERMAN_DATETIME.match(value)
    try:
        if german:
            day, month, _year, hour, minute = (int(part) for part in german.groups()[:5])
            second = int(german.group(6) or 0)
            year = full_year(german.group(3))
            moment = datetime(year, month, day, hour, minute, second)
        elif not iso and _GERMAN_DATE.match(value):
            moment = datetime.combine(parse_date(value), datetime.min.time())
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(
            _("“%(value)s” is not a date and time (use 2025-12-24 13:45 or 24.12.2025 13:45).")
            % {"value": value}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def check_not_future(moment: datetime | date, *, now: datetime) -> None:
    """Refuse a date after ``now`` (plus a few minutes of clock skew)."""
    if isinstance(moment, datetime):
        too_late = moment > now + FUTURE_TOLERANCE
    else:
        too_late = moment > now.date()
    if too_late:
        raise FieldError(_("The date %(value)s is in the future.") % {"value": moment.isoformat()})


def check_moment(moment: datetime, *, now: datetime, written: str = "") -> None:
    """Refuse a time no shop could mean (``core.plausible``: before 1970, or one that cannot be
    converted to UTC) and one after ``now`` plus a few minutes of clock skew. ``written`` is
    the cell as in the file, for the message."""
    try:
        plausible.check_moment(moment, "", now=now)
    except plausible.Implausible as error:
        raise FieldError(
            _("The date %(value)s %(reason)s")
            % {"value": written.strip() or moment.isoformat(), "reason": error.reason}
        ) from None
    check_not_future(moment, now=now)


def check_birthday(day: date, *, now: datetime, written: str = "") -> None:
    """Refuse a birthday before 1900 or in the future (``core.plausible``); ``written`` is the
    cell as in the file, for the message."""
    check_not_future(day, now=now)
    try:
        plausible.check_day(day, "", today=now.date())
    except plausible.Implausible as error:
        raise FieldError(
            _("The date %(value)s %(reason)s")
            % {"value": written.strip() or day.isoformat(), "reason": error.reason}
        ) from None


def parse_bool(text: str) -> bool:
    """Read yes/no in English or German (yes, ja, 1, x / no, nein, 0, empty)."""
    value = (text or "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise FieldError(_("“%(value)s” is neither yes nor no.") % {"value": text.strip()})


_NUMBER_WITH_COMMA = re.compile(r"[0-9]+,[0-9]+")


# Customer numbers recur with every order of the customer.
@functools.lru_cache(maxsize=65_536)
def normalize_external_id(text: str) -> str:
    """Trim a shop's customer number; ``17850.0`` (a number that went through a float) is 17850.

    ``17850,0`` is refused: it is 17850 only if the comma was a decimal comma, and a customer
    number may contain commas; the file should carry the number as text."""
    value = (text or "").strip()
    if value.endswith(".0") and value[:-2].isdigit():
        return value[:-2]
    if _NUMBER_WITH_COMMA.fullmatch(value):
        raise FieldError(
            _(
                "The customer number “%(value)s” looks like a number a spreadsheet formatted "
                "with a decimal comma; it is not guessed. Format the column as text and export "
                "again."
            )
            % {"value": value}
        )
    return value


def split_tags(text: str) -> list[str]:
    """Split a tag cell on commas or pipes, trimmed, without empties or repeats."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,|]", text or ""):
        tag = part.strip()
        if tag:
            seen.setdefault(tag[:64], None)
    return list(seen)


# Django's rules for the common address, a dot-atom before the "@" and a host name after it
# (EmailValidator's user_regex and domain_regex, which contain no "@"), as one precompiled
# pattern: what it matches, validate_email accepts. Anything else (quoted local parts, IP
# literals, localhost) is asked of validate_email itself, whose lazily compiled patterns cost
# several times more per address.
_COMMON_EMAIL = re.compile(
    r"[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*@"
    + EmailValidator.hostname_re
    + EmailValidator.domain_re
    + EmailValidator.tld_no_fqdn_re,
    re.IGNORECASE,
)
# validate_email's limit for a whole address (RFC 3696, section 3).
MAX_EMAIL_LENGTH = 320


@functools.lru_cache(maxsize=65_536)
def is_valid_email(email: str) -> bool:
    """True if Django's e-mail validator accepts the (normalized) address."""
    # Customers recur on many lines: each address is checked once.
    if len(email) <= MAX_EMAIL_LENGTH and _COMMON_EMAIL.fullmatch(email):
        return True
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True
