"""The 80 real messages go all the way: stored raw, processed, each with a clear outcome and
none parked; machine mail and bounces never become cases; files are stored."""

from __future__ import annotations

import pytest

from stammkunde.service.intake.receiving import store_inbound_mail
from stammkunde.service.models import Attachment, Case, InboundMail, InboundState
from tests.service.intake.fixtures import expected_rows, raw
from tests.service.intake.helpers import process_all


@pytest.mark.django_db
@pytest.mark.timeout(600)
def test_every_fixture_message_is_filed_without_error(teams):
    rows = expected_rows()
    stored = {
        row["file"]: store_inbound_mail(raw=raw(row["file"]), source="raw").mail for row in rows
    }
    process_all()
    failures = []
    for row in rows:
        mail = InboundMail.objects.get(pk=stored[row["file"]].pk)
        automatic = row["is_auto_or_bounce"] == "yes"
        expected_states = (
            {InboundState.BOUNCE}
            if row["category"] == "bounce"
            else {InboundState.AUTOMATIC}
            if automatic
            else {InboundState.FILED}
        )
        has_files = Attachment.objects.filter(inbound_mail=mail).exists()
        if mail.state not in expected_states or has_files != (row["has_attachments"] == "yes"):
            failures.append((row["file"], mail.state, mail.error[:200], has_files))
        if mail.state == InboundState.FILED:
            assert Case.objects.filter(pk=mail.outcome["case"]).exists()
        assert bytes(mail.raw) == raw(row["file"])
    assert failures == [], failures
