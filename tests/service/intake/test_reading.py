"""Quotes, signatures, HTML, files, references: the plain helpers of the intake."""

from __future__ import annotations

from stammkunde.service.intake.attachment_files import FileLimits, FileOutcome, keep_files
from stammkunde.service.intake.automatic import Automatic, classify
from stammkunde.service.intake.html_cleaning import clean_html, link_inline_images
from stammkunde.service.intake.mime import MailPart, parse_mail
from stammkunde.service.intake.quoting import own_words
from stammkunde.service.intake.threading_keys import case_reference, order_numbers
from tests.service.intake.fixtures import raw

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_german_attribution_and_quote_are_cut():
    text = "Hallo,\n\ndas Paket fehlt.\n\nAm 01.12.2026 um 10:00 schrieb Shop <s@x.de>:\n> alt\n"
    assert own_words(text) == "Hallo,\n\ndas Paket fehlt."


def test_urspruengliche_nachricht_and_iphone_line_are_cut():
    text = (
        "Wo bleibt mein Paket?\n\nVon meinem iPhone gesendet\n\n"
        "-----Ursprüngliche Nachricht-----\nVon: Shop\nGesendet: Montag\nalter Text\n"
    )
    assert own_words(text) == "Wo bleibt mein Paket?"


def test_outlook_block_of_a_real_english_reply_is_cut():
    mail = parse_mail(raw("reply-en-outlook-from-sent-to-subject-block.eml"))
    words = own_words(mail.text)
    assert words
    assert "Subject:" not in words
    assert len(words) < len(mail.text)


def test_answer_below_the_quote_is_kept():
    mail = parse_mail(raw("reply-de-thunderbird-8bit-quote-above-answer.eml"))
    words = own_words(mail.text)
    assert words
    assert not any(line.startswith(">") for line in words.splitlines())


def test_script_and_handlers_never_survive():
    html = clean_html(
        '<p onclick="steal()">Hi<script>alert(1)</script></p><a href="javascript:x">l</a>'
    )
    assert "script" not in html
    assert "onclick" not in html
    assert "javascript" not in html


def test_remote_images_wait_and_inline_images_are_linked():
    html = clean_html('<img src="https://tracker.example/p.gif"><img src="cid:logo@x">')
    assert 'data-remote-src="https://tracker.example/p.gif"' in html
    assert ' src="https' not in html
    assert 'src="/files/7/"' in link_inline_images(html, {"logo@x": "/files/7/"})


def test_a_lying_type_is_flagged():
    mail = parse_mail(raw("customer-de-attachment-type-lies-quicktime-is-jpeg.eml"))
    movies = [f for f in keep_files(mail.files, FileLimits()) if f.filename == "Video1.MOV"]
    assert movies[0].declared_type == "video/quicktime"
    assert movies[0].sniffed_type == "image/jpeg"
    assert movies[0].type_mismatch is True


def test_winmail_dat_is_unpacked():
    mail = parse_mail(raw("customer-de-outlook2003-winmail-dat-tnef.eml"))
    files = keep_files(mail.files, FileLimits())
    assert all(file.from_tnef for file in files)
    assert "winmail.dat" not in [file.filename for file in files]


def test_limits_keep_every_file_listed_with_its_outcome():
    parts = [MailPart(f"p{i}.png", "image/png", PNG) for i in range(500)]
    parts.append(MailPart("huge.bin", "application/octet-stream", b"x" * 2000))
    files = keep_files(parts, FileLimits(max_file_bytes=1000, max_total_bytes=10**6, max_files=100))
    outcomes = [file.outcome for file in files]
    assert len(files) == 501
    assert outcomes.count(FileOutcome.STORED) == 100
    assert outcomes.count(FileOutcome.OVER_COUNT) == 400
    assert files[-1].outcome == FileOutcome.TOO_LARGE
    assert files[-1].content is None


def test_our_own_message_id_is_a_loop():
    mail = parse_mail(b"From: x@y.de\r\nMessage-ID: <abc@mail.shop.test>\r\nSubject: Hi\r\n\r\nx")
    assert classify(mail, own_domain="mail.shop.test").kind == Automatic.LOOP


def test_auto_submitted_no_is_a_person():
    mail = parse_mail(b"From: x@y.de\r\nAuto-Submitted: no\r\nSubject: Hi\r\n\r\nx")
    assert classify(mail).kind == Automatic.PERSON


def test_case_reference_and_order_numbers():
    assert case_reference("AW: Paket [VG-10234] fehlt") == "VG-10234"
    assert case_reference("Paket fehlt") == ""
    assert order_numbers("Paket nicht angekommen, Bestellung 10234") == ["10234"]
    assert order_numbers("my order #A-5521 is late") == ["A-5521"]
