"""Attachment bodies and texts passed over the line parser (``mime._parse_bytes``) come back whole
and as the plain parser reads them, and an attached message keeps its headers as they came."""

from __future__ import annotations

import base64
import email
import os
from email import policy

import pytest

from stammkunde.service.intake.mime import _parse_bytes, parse_mail, repair
from tests.service.intake.fixtures import expected_rows, raw

ROWS = expected_rows()
CONTENT = os.urandom(3000)


def _multipart(body_of_file: bytes, newline: bytes = b"\r\n", *, text_after: bool = True) -> bytes:
    lines = [
        b"From: Erika <erika@example.de>",
        b"Subject: Rechnung",
        b'Content-Type: multipart/mixed; boundary="XYZ"',
        b"",
        b"--XYZ",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        b"Anbei die Rechnung.",
        b"--XYZ",
        b'Content-Type: application/pdf; name="rechnung.pdf"',
        b"Content-Transfer-Encoding: base64",
        b'Content-Disposition: attachment; filename="rechnung.pdf"',
        b"",
        body_of_file,
    ]
    if text_after:
        lines += [b"--XYZ", b"Content-Type: text/plain", b"", b"Nachtrag."]
    lines += [b"--XYZ--", b""]
    return newline.join(lines).replace(b"\n", newline).replace(b"\r\r", b"\r")


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
@pytest.mark.parametrize("text_after", [True, False])
def test_a_base64_attachment_comes_back_byte_for_byte(newline, text_after):
    encoded = base64.encodebytes(CONTENT).rstrip(b"\n")
    mail = parse_mail(_multipart(encoded, newline, text_after=text_after))
    assert [(file.filename, file.content) for file in mail.files] == [("rechnung.pdf", CONTENT)]
    expected = "Anbei die Rechnung.\n\nNachtrag." if text_after else "Anbei die Rechnung."
    assert mail.text == expected


def test_a_text_of_base64_looking_lines_keeps_its_line_breaks():
    lines = [b"A" * 40 + str(n).encode() for n in range(12)]
    data = b"From: a@b.de\r\nSubject: x\r\n\r\n" + b"\r\n".join(lines) + b"\r\n"
    assert parse_mail(data).text == "\n".join(line.decode() for line in lines)


def test_a_placeholder_written_in_the_mail_is_left_alone():
    words = "STAMMKUNDEBLOB0123456789abcdefX0X"
    encoded = base64.encodebytes(CONTENT).rstrip(b"\n")
    mail = parse_mail(_multipart(encoded).replace(b"Nachtrag.", words.encode()))
    assert words in mail.text
    assert mail.files[0].content == CONTENT


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_every_fixture_parses_as_the_plain_parser_reads_it(row):
    data = repair(raw(row["file"]))
    plain = email.message_from_bytes(data, policy=policy.compat32)
    ours = _parse_bytes(data)
    assert ours.as_bytes(policy=policy.compat32) == plain.as_bytes(policy=policy.compat32)
    assert [type(defect) for part in ours.walk() for defect in part.defects] == [
        type(defect) for part in plain.walk() for defect in part.defects
    ]


def test_an_attached_message_keeps_its_headers_as_they_came():
    inner = (
        b"From: Kunde <kunde@example.de>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus einer\r\n"
        b" sehr langen Betreffzeile\r\nX-Note: gr\xc3\xbc\xc3\x9fe\r\n\r\nHallo\r\n"
    )
    outer = (
        b'From: a@b.de\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nWeitergeleitet.\r\n--B\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"--B--\r\n"
    )
    attached = parse_mail(outer).files[0]
    assert attached.filename == "Grüße aus einer sehr langen Betreffzeile.eml"
    # The line break before the boundary belongs to the boundary.
    assert attached.content == inner.replace(b"\r\n", b"\n").removesuffix(b"\n")


def _parts(message: email.message.Message) -> list[tuple]:
    """Each part's headers, text payload (a multipart's parts are the next items), preamble
    and epilogue, as parsed."""
    return [
        (
            part._headers,
            part._payload if isinstance(part._payload, str) else None,
            part.preamble,
            part.epilogue,
        )
        for part in message.walk()
    ]


def _as_the_plain_parser_reads_it(data: bytes) -> None:
    """``_parse_bytes`` gives the message, part for part and defect for defect, that the plain
    compat32 parser gives."""
    plain = email.message_from_bytes(data, policy=policy.compat32)
    ours = _parse_bytes(data)
    assert _parts(ours) == _parts(plain)
    assert [type(defect) for part in ours.walk() for defect in part.defects] == [
        type(defect) for part in plain.walk() for defect in part.defects
    ]


def test_a_stray_8bit_byte_in_a_base64_attachment_is_skipped():
    # Base64 decoding skips what is not base64; the byte once turned into U+FFFD (the text
    # decoded in its charset and stored back), whose escape "\\ufffd" the decoder then read.
    encoded = base64.encodebytes(CONTENT).rstrip(b"\n")
    broken = encoded.replace(b"\n", b"\x80\n", 1)
    data = _multipart(broken)
    _as_the_plain_parser_reads_it(data)
    assert parse_mail(data).files[0].content == CONTENT


def test_body_lines_that_look_like_headers_stay_in_the_text():
    data = (
        b"From: Erika <erika@example.de>\r\nSubject: Adresse\r\n\r\n"
        b"Meine neue Adresse:\r\nName: Erika Muster\r\n  Hauptstr. 1\r\n"
        b"From here on\r\n-- \r\nErika\r\n"
    )
    _as_the_plain_parser_reads_it(data)
    assert parse_mail(data).text == (
        "Meine neue Adresse:\nName: Erika Muster\n  Hauptstr. 1\nFrom here on\n-- \nErika"
    )


def test_a_part_without_a_blank_line_after_its_headers():
    data = (
        b'From: a@b.de\nContent-Type: multipart/mixed; boundary="B"\n\n--B\n'
        b"Content-Type: text/plain\nHallo,\nX-Not-A-Header: sondern Text\n\tund eingerueckt\n"
        b"--B--\n"
    )
    _as_the_plain_parser_reads_it(data)
    assert parse_mail(data).text == "Hallo,\nX-Not-A-Header: sondern Text\n\tund eingerueckt"


def test_the_blocks_of_a_delivery_report_stay_apart():
    data = (
        b'From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; boundary="R"; '
        b"report-type=delivery-status\n\n--R\nContent-Type: text/plain\n\n"
        b"Die Nachricht konnte nicht zugestellt werden.\nGrund: unbekannt\n\n--R\n"
        b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n"
        b"Arrival-Date: Mon, 1 Dec 2026 10:00:00 +0100\nno field, a remark of the server\n"
        b"and another one\n\nFinal-Recipient: rfc822; kunde@example.de\n"
        b"Action: failed\nStatus: 5.1.1\n\n--R--\n"
    )
    _as_the_plain_parser_reads_it(data)
    mail = parse_mail(data)
    assert mail.text == "Die Nachricht konnte nicht zugestellt werden.\nGrund: unbekannt"
    assert mail.report_status == (
        "Reporting-MTA: dns; mx.example\nArrival-Date: Mon, 1 Dec 2026 10:00:00 +0100\n\n"
        "Final-Recipient: rfc822; kunde@example.de\nAction: failed\nStatus: 5.1.1"
    )


@pytest.mark.parametrize(
    ("newline", "text"),
    [
        (b"\r", "Erste Zeile\rzweite Zeile\rdritte: Zeile"),
        (b"\r\n", "Erste Zeile\nzweite Zeile\ndritte: Zeile"),
        (b"\n", "Erste Zeile\nzweite Zeile\ndritte: Zeile"),
    ],
)
def test_lines_of_every_kind_of_line_break(newline, text):
    data = (
        b'From: a@b.de\nContent-Type: multipart/alternative; boundary="B"\n\n--B\n'
        b"Content-Type: text/plain\n\nErste Zeile\nzweite Zeile\ndritte: Zeile\n--B--\n"
    ).replace(b"\n", newline)
    _as_the_plain_parser_reads_it(data)
    assert parse_mail(data).text == text


def test_a_lone_carriage_return_inside_a_text_is_a_line_break():
    data = b"From: a@b.de\r\nSubject: x\r\n\r\nEins\rZwei\r\nDrei\r\nVier\r\n"
    _as_the_plain_parser_reads_it(data)
    assert parse_mail(data).text == "Eins\rZwei\nDrei\nVier"
