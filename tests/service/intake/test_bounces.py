"""Bounces read: hard or soft, the failed address, the returned message."""

from __future__ import annotations

import pytest

from stammkunde.service.intake.bounces import read_bounce
from stammkunde.service.intake.mime import parse_mail
from tests.service.intake.fixtures import raw


@pytest.mark.parametrize(
    ("name", "permanent", "recipient", "original"),
    [
        (
            "bounce-postfix-user-unknown.eml",
            True,
            "not_existing@znuny.com",
            "20150830145601.30.608881@edenhofer.zammad.com",
        ),
        ("bounce-gmail-de-delay-soft.eml", False, "bob.smith@example.de", None),
        (
            "bounce-postfix-aol-mailbox-full.eml",
            False,
            "user@aol.com",
            "4E326A95.3010907@example.com",
        ),
        ("bounce-exchange-de-relay-denied-utf7-charset.eml", True, "m.smith@example.com", None),
        ("bounce-qmail-failure-notice.eml", True, "psadisc@wwwmail.n-h.de", None),
        ("bounce-exim-delay-warning-soft.eml", False, "jacobus@geo.co.za", None),
        ("bounce-lotus-domino-user-not-listed.eml", True, "kijitora@example.jp", None),
    ],
)
def test_bounce_report(name, permanent, recipient, original):
    report = read_bounce(parse_mail(raw(name)))
    assert report.permanent is permanent
    assert report.recipients[0] == recipient
    if original:
        assert report.original_message_id == original
