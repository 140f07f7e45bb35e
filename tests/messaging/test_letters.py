"""Which sent messages are business letters, and the end of their six years (plain rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from stammkunde.messaging.letters import is_business_letter, kept_until


@pytest.mark.parametrize("source", ["trigger", "case", "goodwill", "incident", ""])
def test_a_sent_transactional_mail_is_a_letter(source):
    assert is_business_letter("transactional", source, "sent")
    assert is_business_letter("transactional", source, "uncertain")


@pytest.mark.parametrize("purpose", ["newsletter", "feedback", "recommendation", "reactivation"])
def test_marketing_mails_are_not_letters(purpose):
    assert not is_business_letter(purpose, "campaign", "sent")
    assert not is_business_letter(purpose, "trigger", "sent")


def test_double_opt_in_and_test_sends_are_not_letters():
    assert not is_business_letter("transactional", "consent", "sent")
    assert not is_business_letter("transactional", "test", "sent")


@pytest.mark.parametrize("state", ["queued", "held", "retrying", "failed", "cancelled"])
def test_a_mail_that_never_went_out_is_not_a_letter(state):
    assert not is_business_letter("transactional", "trigger", state)


def test_a_letter_is_kept_six_years_from_the_end_of_its_calendar_year():
    assert kept_until(datetime(2026, 3, 1, 9, tzinfo=UTC)) == date(2032, 12, 31)
    assert kept_until(datetime(2019, 12, 31, 12, tzinfo=UTC)) == date(2025, 12, 31)
