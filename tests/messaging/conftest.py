"""Fixtures of the mail tests: a real SMTP server, and Django's SMTP settings pointing at it."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import override_settings

from tests.messaging.smtp_server import SMTPServer

NO_QUIET_HOURS = {"quiet_hours_start": time(0), "quiet_hours_end": time(0)}


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=server.host,
        EMAIL_PORT=server.port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=10,
        MESSAGING_GOVERNOR=NO_QUIET_HOURS,
        MAIL_DOMAIN="mail.shop.example",
        SITE_URL="https://crm.shop.example",
    ):
        yield server
    server.stop()
