"""Fixtures of the mail intake tests: a Dovecot per test session (module)."""

from __future__ import annotations

import pytest

from tests.service.intake.dovecot import dovecot_available, start_dovecot, stop_dovecot


@pytest.fixture(scope="module")
def dovecot():
    if not dovecot_available():
        pytest.fail("dovecot is not installed (scripts/test installs dovecot-imapd)")
    server = start_dovecot()
    yield server
    stop_dovecot(server)
