"""The order cells the importer reads with more than a strip: status words and order times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stammkunde.connectors.csv_import.order_fields import OrderTimes, order_status
from stammkunde.connectors.csv_import.parsing import FieldError

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def times(zone: ZoneInfo = BERLIN) -> OrderTimes:
    # The identity as the database adapter: the test sees the moment itself.
    return OrderTimes(time_zone=zone, now=NOW, adapt_datetime=lambda moment: moment)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", "placed"), ("Storniert", "cancelled"), ("versendet", "shipped"), ("paid", "paid")],
)
def test_status_words_of_german_exports_mean_order_statuses(cell, expected):
    assert order_status(cell, cancellation=False) == expected


def test_a_cancellation_is_cancelled_whatever_its_status_cell_says():
    assert order_status("bezahlt", cancellation=True) == "cancelled"


def test_an_unknown_status_word_is_returned_as_written_in_lower_case():
    assert order_status("Verloren", cancellation=False) == "verloren"


def test_local_times_are_stored_as_their_utc_moment_across_the_clock_change():
    reader = times()
    assert reader.get("2024-03-31 01:30:00") == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert reader.get("2024-03-31 03:30:00") == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert reader.get("31.03.2024 03:30") == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_the_same_text_gives_the_same_value_the_second_time():
    reader = times()
    assert reader.get("2025-01-02 10:00") is reader.get("2025-01-02 10:00")


def test_times_from_1970_up_to_a_few_minutes_from_now_pass():
    reader = times(ZoneInfo("UTC"))
    assert reader.get("1970-01-01 00:00:00") == datetime(1970, 1, 1, tzinfo=UTC)
    assert reader.get("2025-06-01 12:05:00") == datetime(2025, 6, 1, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1969-12-31 23:59:59", "1970"),
        ("2025-06-01 12:05:01", "future"),
        ("2025-06-03 12:00:00", "future"),
        ("0001-01-01T00:00:00+14:00", "range"),
        ("2025-02-30 10:00", "not a date"),
    ],
)
def test_times_no_shop_could_mean_are_refused_with_the_reason(text, reason):
    with pytest.raises(FieldError, match=reason):
        times(ZoneInfo("UTC")).get(text)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_the_fast_path_for_local_times_gives_what_the_general_path_gives(zone):
    # Every 13 minutes of 2024, both clock changes included (Lord Howe's are half an hour).
    reader = times(ZoneInfo(zone))
    start = datetime(2024, 1, 1)
    for step in range(0, 366 * 24 * 60, 13):
        text = str(start + timedelta(minutes=step))
        assert reader._read_local(text) in (None, reader._read(text)), text
    assert reader._read_local("2024-07-01 10:00:00") is not None


@pytest.mark.parametrize(
    "text", ["2024-03-31 02:30:00", "2024-10-27 02:30:00", "2024-06-01 10:00:00+02:00"]
)
def test_times_the_clock_change_makes_doubtful_or_with_an_offset_take_the_general_path(text):
    reader = times()
    assert reader._read_local(text) is None
    assert reader.get(text) == reader._read(text)


@pytest.mark.parametrize("text", ["0001-01-01 00:30:00", "9999-12-31 23:30:00"])
def test_times_at_the_ends_of_the_calendar_are_refused_as_before(text):
    with pytest.raises(FieldError):
        times().get(text)
