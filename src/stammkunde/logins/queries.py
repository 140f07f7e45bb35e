"""Reads for the lockout page, the two-factor rule and the language staff are written to in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from stammkunde.logins.models import RoleSecurity, SecurityEvent, StaffPreference


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


# The language staff are written to in: their own (StaffPreference), else the installation's.
# Staff mail is rendered inside ``in_language_of(user)``, so its words, dates and numbers are
# those of the person who reads it.
def installation_language() -> str:
    """The installation's language, the default of everyone who chose none."""
    return settings.LANGUAGE_CODE


def known_language(code: str) -> bool:
    """Whether ``code`` is one of the installation's interface languages."""
    return code in {language for language, _name in settings.LANGUAGES}


def staff_language(user: Any) -> str:
    """The language ``user`` reads their mail in (one query unless already loaded)."""
    if user is None or getattr(user, "pk", None) is None:
        return installation_language()
    try:
        chosen = user.staff_preference.language
    except StaffPreference.DoesNotExist:
        chosen = ""
    return chosen if chosen and known_language(chosen) else installation_language()


def chosen_language(user: Any) -> str:
    """What ``user`` chose ("" for the installation's language), for their settings form."""
    return (
        StaffPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        or ""
    )


@contextmanager
def in_language_of(user: Any) -> Iterator[str]:
    """Translations, date and number formats in ``user``'s language inside the block."""
    language = staff_language(user)
    with translation.override(language):
        yield language


def reset_user(email: str) -> Any:
    """The one active user with a usable password whom a reset link for ``email`` would reach
    (Django's rule: ``PasswordResetForm.get_users``), or None."""
    from django.contrib.auth.forms import PasswordResetForm

    users = list(PasswordResetForm().get_users(email))
    return users[0] if len(users) == 1 else None
