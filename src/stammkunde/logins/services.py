"""Every change the login machinery makes: records, lifted lockouts, second factors.

Lockouts themselves are django-axes' (settings.AXES_*); two-factor devices are django-otp's
(a ``TOTPDevice`` for the authenticator app, a ``StaticDevice`` holding the backup codes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core import throttle
from stammkunde.logins import queries
from stammkunde.logins.models import SecurityEvent, SecurityEventKind, StaffPreference

BACKUP_CODE_COUNT = 10
# Password reset requests allowed per address typed and per client address (sliding windows,
# ``core/throttle.py``): a person asks once or twice; a script trying addresses is stopped.
RESET_WINDOWS_PER_ADDRESS = (
    throttle.Window(timedelta(minutes=15), 3),
    throttle.Window(timedelta(days=1), 10),
)
RESET_WINDOWS_PER_CLIENT = (
    throttle.Window(timedelta(minutes=15), 10),
    throttle.Window(timedelta(days=1), 50),
)
AUTHENTICATOR_NAME = "Authenticator"
BACKUP_CODES_NAME = "Backup codes"


def record_event(
    kind: SecurityEventKind,
    *,
    user: Any = None,
    username: str = "",
    ip_address: str | None = None,
    reason: str = "",
    by: Any = None,
) -> SecurityEvent:
    """Write one security event (append-only)."""
    if user is not None and not username:
        username = user.get_username()
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=(username or "")[:150],
        ip_address=ip_address or None,
        reason=reason[:64],
        by=by if getattr(by, "is_authenticated", False) else None,
    )


class ResetThrottled(Exception):
    """Too many password reset requests for an address or from a client; ``wait`` says how
    long until the next one is taken."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"retry after {wait}")
        self.wait = wait


def _reset_wait(email: str, ip_address: str | None, now: datetime) -> timedelta | None:
    """How long the next reset request for ``email`` from ``ip_address`` must wait (None:
    it is taken), counted over the requests taken (``RESET_REQUESTED``)."""
    since = now - max(
        throttle.longest(RESET_WINDOWS_PER_ADDRESS), throttle.longest(RESET_WINDOWS_PER_CLIENT)
    )
    taken = SecurityEvent.objects.filter(kind=SecurityEventKind.RESET_REQUESTED, at__gt=since)
    waits = [
        throttle.retry_after(
            list(taken.filter(username=email).values_list("at", flat=True)),
            now,
            RESET_WINDOWS_PER_ADDRESS,
        )
    ]
    if ip_address:
        moments = list(taken.filter(ip_address=ip_address).values_list("at", flat=True))
        waits.append(throttle.retry_after(moments, now, RESET_WINDOWS_PER_CLIENT))
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None


def request_password_reset(email: str, *, ip_address: str | None, language: str) -> None:
    """Take a staff member's request for a password reset link, or refuse it (ResetThrottled).

    The same work whether the address belongs to a user or not: one lookup for the record, one
    security event, one queued task that sends the mail (``logins/tasks.py``) after the
    answer, so neither the page nor its timing tells whether the address is known. Refused
    requests (too many for the address or from the client) are recorded as security events,
    shown with the lockouts. The link in the mail is on the configured ``SITE_URL``, never on
    the request's Host header (which whoever sends the request chooses).
    """
    from stammkunde.logins.tasks import send_password_reset

    address = email.strip().lower()[:150]
    now = timezone.now()
    wait = _reset_wait(address, ip_address, now)
    if wait is not None:
        record_event(
            SecurityEventKind.RESET_THROTTLED,
            username=address,
            ip_address=ip_address,
            reason="too_many_requests",
        )
        raise ResetThrottled(wait)
    user = queries.reset_user(address)
    record_event(
        SecurityEventKind.RESET_REQUESTED,
        user=user,
        username=address,
        ip_address=ip_address,
        reason="sent" if user is not None else "unknown_address",
    )
    # Queued in the request's transaction: the worker sees it with the event, once committed.
    send_password_reset.enqueue(email=address, language=language)


@transaction.atomic
def lift_lockout(*, by: Any, username: str = "", ip_address: str = "") -> int:
    """Forget the failed logins of a username or an address, so it may log in again.

    Returns how many of axes' attempt rows were removed; recorded as a security event and in
    the audit log with the admin who lifted it.
    """
    if bool(username) == bool(ip_address):
        raise ValueError("Name either a username or an address.")
    removed = (axes_reset(username=username) if username else axes_reset(ip=ip_address)) or 0
    record_event(
        SecurityEventKind.UNLOCKED,
        username=username,
        ip_address=ip_address or None,
        reason="username" if username else "address",
        by=by,
    )
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        object_type="axes.accessattempt",
        object_id=username or ip_address,
        detail=f"lockout lifted ({removed} attempt records removed)",
    )
    return removed


def authenticator_for(user: Any, *, confirmed: bool | None = True) -> TOTPDevice | None:
    """The user's authenticator app device (confirmed ones only unless asked)."""
    devices = TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR_NAME)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-id").first()


@transaction.atomic
def start_authenticator_setup(user: Any) -> TOTPDevice:
    """An unconfirmed authenticator device with a fresh secret, to show as a QR code.

    Calling it again while setup is unfinished keeps the same secret (a reload of the page
    must not invalidate what the phone has just scanned).
    """
    pending = authenticator_for(user, confirmed=False)
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


@dataclass(frozen=True)
class SecondFactorResult:
    """The outcome of checking a token: the device that accepted it, or the reason it failed."""

    device: Any = None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.device is not None


def _is_replay(device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is a code of the tolerance window that was already used (its time
    step is not after the last accepted one)."""
    if not token.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.time = now + offset * device.step
        if totp.token() == int(token) and totp.t() <= device.last_t:
            return True
    return False


def _check_totp(device: TOTPDevice, token: str) -> str:
    """Verify ``token`` on ``device``: "" when accepted, otherwise why not (too many tries,
    a replay, or wrong/expired). Each refusal makes the device wait longer (django-otp)."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return "throttled"
    replay = _is_replay(device, token)
    if device.verify_token(token):
        return ""
    return "replayed" if replay else "wrong_or_expired"


@transaction.atomic
def confirm_authenticator(
    user: Any, token: str, *, ip_address: str | None = None
) -> tuple[SecondFactorResult, list[str]]:
    """Confirm the pending authenticator with a token from the app; make the backup codes.

    Returns the result and, on success, the new backup codes (shown once). Any older
    authenticator of the user is removed: one phone at a time.
    """
    device = authenticator_for(user, confirmed=False)
    token = (token or "").strip().replace(" ", "")
    if device is None:
        return SecondFactorResult(reason="no_pending_setup"), []
    reason = _check_totp(device, token)
    if reason:
        record_event(
            SecurityEventKind.OTP_REFUSED,
            user=user,
            ip_address=ip_address,
            reason=f"setup_{reason}",
        )
        return SecondFactorResult(reason=reason), []
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(SecurityEventKind.OTP_DEVICE_CONFIRMED, user=user, ip_address=ip_address)
    audit(
        actor=user,
        action=AuditAction.CHANGE,
        object_type="auth.user",
        object_id=user.pk,
        fields=["two_factor"],
        detail="two-factor login set up",
    )
    return SecondFactorResult(device=device), _replace_backup_codes(user)


def _replace_backup_codes(user: Any) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_CODES_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def new_backup_codes(user: Any, *, ip_address: str | None = None) -> list[str]:
    """Replace the user's backup codes with ten new ones (the old ones stop working)."""
    codes = _replace_backup_codes(user)
    record_event(SecurityEventKind.OTP_BACKUP_CODES, user=user, ip_address=ip_address)
    return codes


def verify_second_factor(
    user: Any, token: str, *, ip_address: str | None = None
) -> SecondFactorResult:
    """Check a token from the authenticator app or a backup code at login.

    A refused token (wrong, expired, replayed, or too many tries) is recorded with its reason;
    a used backup code is gone afterwards and recorded too.
    """
    token = (token or "").strip().replace(" ", "")
    totp = authenticator_for(user)
    reason = "no_device"
    if totp is not None:
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=totp.pk)
            reason = _check_totp(locked, token)
            if not reason:
                return SecondFactorResult(device=locked)
    backup = StaticDevice.objects.filter(user=user, name=BACKUP_CODES_NAME).first()
    if backup is not None and token:
        with transaction.atomic():
            backup = StaticDevice.objects.select_for_update().get(pk=backup.pk)
            if backup.verify_token(token.lower()):
                record_event(
                    SecurityEventKind.OTP_BACKUP_CODE_USED, user=user, ip_address=ip_address
                )
                return SecondFactorResult(device=backup)
        if totp is None or not token.isdigit():
            reason = "wrong_backup_code"
    record_event(SecurityEventKind.OTP_REFUSED, user=user, ip_address=ip_address, reason=reason)
    return SecondFactorResult(reason=reason)


@transaction.atomic
def remove_two_factor(user: Any, *, by: Any) -> None:
    """Remove the user's authenticator and backup codes (the user, or an admin for a lost
    phone); recorded and audited."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_event(SecurityEventKind.OTP_REMOVED, user=user, by=by)
    audit(
        actor=by,
        action=AuditAction.CHANGE,
        object_type="auth.user",
        object_id=user.pk,
        fields=["two_factor"],
        detail="two-factor login removed",
    )


@transaction.atomic
def set_staff_language(user: Any, language: str, *, by: Any) -> StaffPreference:
    """Set ``user``'s language ("" for the installation's); a staff member sets their own,
    a superuser anyone's (PermissionError otherwise, ValueError for an unknown language)."""
    if by is None or (by.pk != user.pk and not by.is_superuser):
        raise PermissionError("Only the staff member or a superuser sets their language.")
    language = (language or "").strip()
    if language and not queries.known_language(language):
        raise ValueError(f"Unknown language: {language!r}")
    preference, _created = StaffPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    audit(actor=by, action=AuditAction.CHANGE, obj=preference, fields=["language"])
    # The cached relation would otherwise keep the old choice for the rest of this request.
    user.staff_preference = preference
    return preference
