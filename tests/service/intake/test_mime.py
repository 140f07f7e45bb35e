"""Decoding: charsets, encoded headers, filenames, broken structure."""

from __future__ import annotations

from stammkunde.service.intake.mime import parse_mail, repair
from tests.service.intake.fixtures import raw


def test_utf7_subject_split_over_folded_words_is_decoded():
    mail = parse_mail(raw("bounce-exchange-de-relay-denied-utf7-charset.eml"))
    assert mail.subject == "Benachrichtung zum Übermittlungsstatus (Fehlgeschlagen)"


def test_utf7_body_and_headers_of_outlook_2000():
    mail = parse_mail(raw("customer-de-utf7-outlook2000.eml"))
    assert mail.subject.startswith("Die Hasen und die Frösche")
    assert "Frösche" in mail.text


def test_iso_8859_15_euro_sign_in_subject():
    mail = parse_mail(raw("customer-de-latin15-euro-subject-mulberry.eml"))
    assert mail.subject == "test äöüßÄÖÜß€"


def test_windows_1258_french_complaint():
    mail = parse_mail(raw("customer-fr-windows-1258-order-complaint.eml"))
    assert mail.subject.startswith("Réclamation commande n° 018255")


def test_rfc2231_filename_with_umlaut():
    mail = parse_mail(raw("customer-en-rfc2231-umlaut-attachment-filename.eml"))
    assert [part.filename for part in mail.files] == ["Erklärung.txt"]


def test_raw_8bit_byte_in_filename_is_read_as_latin1():
    mail = parse_mail(raw("forward-de-original-nachricht-8bit-filename.eml"))
    assert mail.files[0].filename == "Hofjägeralle Wasserschaden.jpg"


def test_unknown_charset_holding_utf8_is_read_as_utf8():
    mail = parse_mail(raw("malformed-unknown-charset-iso-gb2312.eml"))
    assert "\ufffd" not in mail.text
    assert any(ord(ch) > 0x3000 for ch in mail.text)  # the Japanese text survived


def test_bytes_of_another_charset_inside_a_utf8_part_do_not_stop_it():
    mail = parse_mail(raw("malformed-utf8-body-with-latin15-signature.eml"))
    assert "a ä" in mail.text
    assert "Registergericht" in mail.text


def test_unindented_header_continuation_keeps_from_and_subject():
    mail = parse_mail(raw("malformed-exchange-broken-header-folding.eml"))
    assert mail.from_address == "Karoline.Smith@example.com"
    assert mail.subject == "AW: One Net Business"


def test_missing_from_falls_back_to_reply_to():
    mail = parse_mail(raw("malformed-missing-from-8bit-body.eml"))
    assert mail.from_address == "info@lala.com"


def test_missing_from_and_date_give_empty_values():
    mail = parse_mail(raw("malformed-utf7-no-from-no-date.eml"))
    assert (mail.from_address, mail.date) == ("", None)
    assert mail.subject.startswith("Microsoft Forefront Protection")


def test_mbox_from_line_is_not_a_header():
    assert repair(b"From someone Mon Jan 1\nSubject: x\n\nbody") == b"Subject: x\n\nbody"


def test_garbage_gives_a_result_not_an_error():
    mail = parse_mail(b"\x00\xff\xfe garbage without headers \r\n\r\n\x80\x81")
    assert mail.from_address == ""
    assert mail.files == []


def test_threading_headers():
    mail = parse_mail(
        b"From: a@b.de\r\nMessage-ID: <m1@b.de>\r\nIn-Reply-To: <x@shop.test>\r\n"
        b"References: <a@shop.test>\r\n <x@shop.test>\r\nSubject: Re\r\n\r\nHi"
    )
    assert (mail.message_id, mail.in_reply_to) == ("m1@b.de", "x@shop.test")
    assert mail.references == ["a@shop.test", "x@shop.test"]


def test_latin1_bytes_in_a_utf8_part_are_read_as_windows_1252():
    mail = parse_mail(
        "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n-- \r\nGießen".encode().replace(
            "Gießen".encode(), "Gießen".encode("latin-1")
        )
    )
    assert mail.text == "Grüße\n-- \nGießen"


def _headers_only(**headers: bytes) -> bytes:
    lines = [name.replace("_", "-").encode() + b": " + value for name, value in headers.items()]
    return b"\r\n".join([*lines, b"Message-ID: <a@b.example>", b"", b"Hallo", b""])


def test_an_encoded_display_name_never_becomes_the_sender_address():
    """The sending server vouches (SPF, DKIM, DMARC) for the address in <...>; a display name
    encoded as ``kunde@gmail.com`` must not make the mail the customer's (RFC 2047 words are
    decoded after the address header is parsed)."""
    mail = parse_mail(
        _headers_only(
            From=b"=?utf-8?q?kunde=40gmail=2Ecom?= <attacker@evil.example>",
            Reply_To=b"=?utf-8?b?a3VuZGVAZ21haWwuY29tIDw+?= <attacker@evil.example>",
            To=b"=?utf-8?q?service=40shop=2Eexample=2C_x=40evil=2Eexample?= <s@shop.example>",
        )
    )
    assert mail.from_address == "attacker@evil.example"
    assert mail.from_name == "kunde@gmail.com"
    assert mail.reply_to == "attacker@evil.example"
    assert mail.to == ["s@shop.example"]


def test_an_encoded_name_with_a_comma_stays_one_name():
    mail = parse_mail(_headers_only(From=b"=?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?= <j@example.de>"))
    assert (mail.from_name, mail.from_address) == ("Müller, Jürgen", "j@example.de")
