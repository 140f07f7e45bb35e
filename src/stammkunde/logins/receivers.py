"""Signal receivers: every try of a locked-out username or address leaves a security event; a
login brings the staff member's own language along (``logins/language.py``)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out


def _record_lockout(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    from stammkunde.logins.models import SecurityEventKind
    from stammkunde.logins.services import record_event

    record_event(SecurityEventKind.LOCKED_OUT, username=username or "", ip_address=ip_address)


def connect() -> None:
    """Connect the receivers (LoginsConfig.ready)."""
    from django.contrib.auth.signals import user_logged_in

    from stammkunde.logins.language import remember_on_login

    user_logged_in.connect(remember_on_login, dispatch_uid="stammkunde-logins-language")
    user_locked_out.connect(_record_lockout, dispatch_uid="stammkunde-logins-locked-out")
