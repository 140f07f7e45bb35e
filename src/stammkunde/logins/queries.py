"""Reads for the lockout page and the two-factor rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from stammkunde.logins.models import RoleSecurity, SecurityEvent


@dataclass(frozen=True)
class Lockout:
    """A username or an address with at least the failure limit of recent failed logins."""

    parameter: str  # "username" or "address"
    value: str
    failures: int
    last_attempt: datetime
    until: datetime


def current_lockouts() -> list[Lockout]:
    """Usernames and addresses locked out now, the newest first."""
    cool_off = get_cool_off()
    since = timezone.now() - cool_off
    limit = settings.AXES_FAILURE_LIMIT
    found = []
    for field, parameter in (("username", "username"), ("ip_address", "address")):
        rows = (
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
        )
        found += [
            Lockout(parameter, row[field], row["failures"], row["last"], row["last"] + cool_off)
            for row in rows
        ]
    return sorted(found, key=lambda lockout: lockout.last_attempt, reverse=True)


def recent_security_events(limit: int = 100) -> list[SecurityEvent]:
    """The newest security events (lockouts, lifted lockouts, refused factors, resets)."""
    return list(SecurityEvent.objects.select_related("user", "by").order_by("-at")[:limit])


def two_factor_required(user: Any) -> bool:
    """Whether one of the user's roles requires two-factor login."""
    return RoleSecurity.objects.filter(group__user=user, require_two_factor=True).exists()


def has_authenticator(user: Any) -> bool:
    """Whether the user has set up an authenticator app (a confirmed TOTP device)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
