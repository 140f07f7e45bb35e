"""Every real message of the fixtures: parsed without error, machine mail and files recognised
as expected.csv says (written by hand from the messages, SOURCES.md)."""

from __future__ import annotations

import pytest

from stammkunde.service.intake.attachment_files import FileLimits, keep_files
from stammkunde.service.intake.automatic import Automatic, classify
from stammkunde.service.intake.mime import parse_mail
from tests.service.intake.fixtures import expected_rows, raw

ROWS = expected_rows()


def test_there_are_eighty_messages():
    assert len(ROWS) == 80


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_machine_mail_is_recognised(row):
    verdict = classify(parse_mail(raw(row["file"])), own_domain="mail.shop.test")
    assert ("yes" if verdict.is_automatic else "no") == row["is_auto_or_bounce"], verdict
    if row["category"] == "bounce":
        assert verdict.kind == Automatic.BOUNCE


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_files_are_found(row):
    files = keep_files(parse_mail(raw(row["file"])).files, FileLimits())
    assert ("yes" if files else "no") == row["has_attachments"], [f.filename for f in files]
