"""quick_date (staff_ui) writes what Django's date filter writes, in every language and zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone, translation

FORMATS = [
    None,
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "TIME_FORMAT",
    "c",
    "d.m.Y H:i",
    "Y-m-d",
    "j. n. y G:i:s",
    r"\\d\\a\\y d",
    "D, d M Y",
    "P",
    "",
]
VALUES = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night the clocks go forward in Berlin
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the ambiguous hour in Berlin
    datetime(2026, 12, 4, 13, 5, 9, 123456, tzinfo=UTC),
    datetime(7, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5),  # naive
    date(2026, 1, 2),
    None,
    "",
    "not a date",
]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "America/New_York"])
def test_quick_date_writes_what_the_date_filter_writes(language, zone):
    engine = engines["django"]
    for format_string in FORMATS:
        argument = "" if format_string is None else f':"{format_string}"'
        django = engine.from_string("{{ value|date" + argument + " }}")
        quick = engine.from_string("{% load staff_ui %}{{ value|quick_date" + argument + " }}")
        for value in [*VALUES, timezone.now(), timezone.now() - timedelta(days=200)]:
            with translation.override(language), timezone.override(zone):
                context = {"value": value}
                expected = _outcome(django, context)
                assert _outcome(quick, context) == expected, (format_string, value)


def _outcome(template, context):
    """The text, or the exception's type (Django refuses a time format for a date)."""
    try:
        return template.render(context)
    except Exception as error:  # compared, not swallowed
        return type(error)
