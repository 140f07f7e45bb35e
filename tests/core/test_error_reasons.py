"""Stored failure reasons: a code told in the reader's language, the technical text as fallback."""

from django.db import OperationalError
from django.utils import translation

from stammkunde.core import error_reasons
from stammkunde.core.error_reasons import reason_of, reason_sentence


def test_a_known_code_is_told_in_the_active_language():
    with translation.override("de"):
        assert (
            reason_sentence("mailbox_full", "552 5.2.2") == "Das Postfach des Empfängers ist voll."
        )
    with translation.override("en"):
        assert reason_sentence("mailbox_full", "552 5.2.2") == "The recipient's mailbox is full."


def test_other_keeps_the_technical_detail_and_an_unknown_code_shows_it_alone():
    with translation.override("de"):
        assert reason_sentence("other", "RuntimeError: boom") == (
            "Unerwarteter Fehler. (RuntimeError: boom)"
        )
        assert reason_sentence("", "old text") == "old text"
        assert reason_sentence("no_such_code", "old text") == "old text"


def test_exceptions_map_to_codes():
    assert reason_of(OperationalError("database is locked")) == error_reasons.DATABASE_TEMPORARY
    assert reason_of(ValueError("quantity below zero")) == error_reasons.PAYLOAD_INVALID
    assert reason_of(RuntimeError("boom")) == error_reasons.OTHER


def test_smtp_refusals_get_their_reason_code():
    import smtplib

    from stammkunde.messaging.delivery_errors import classify

    full = smtplib.SMTPRecipientsRefused({"a@example.org": (552, b"mailbox full")})
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")})
    assert classify(full).code == error_reasons.MAILBOX_FULL
    assert classify(refused).code == error_reasons.SMTP_REFUSED
    assert classify(smtplib.SMTPDataError(554, b"spam")).code == error_reasons.SMTP_REFUSED
    assert classify(RuntimeError("boom")).code == error_reasons.OTHER


def test_a_mail_that_cannot_be_decoded_is_a_parse_failure():
    from email.errors import HeaderParseError

    broken = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    assert reason_of(broken) == error_reasons.PARSE_FAILURE
    assert reason_of(HeaderParseError("bad header")) == error_reasons.PARSE_FAILURE
