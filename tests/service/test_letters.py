"""Which case messages are business letters, and the end of their six years (plain rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from stammkunde.service.letters import is_business_letter, kept_until


def test_the_customers_messages_and_our_replies_are_letters_internal_notes_are_not():
    assert is_business_letter("inbound")
    assert is_business_letter("outbound")
    assert not is_business_letter("note")


def test_a_letter_is_kept_six_years_from_the_end_of_its_calendar_year():
    assert kept_until(datetime(2026, 3, 1, 10, tzinfo=UTC)) == date(2032, 12, 31)
    assert kept_until(datetime(2026, 1, 1, 0, 30, tzinfo=UTC)) == date(2032, 12, 31)


def test_the_calendar_year_is_the_local_one():
    # 23:30 UTC on New Year's Eve is already 1 January 2027 in Berlin: a year more.
    assert kept_until(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2033, 12, 31)
    assert kept_until(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)) == date(2032, 12, 31)
