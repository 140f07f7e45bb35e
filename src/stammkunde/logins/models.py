"""What the login machinery records and the per-role two-factor rule.

Failed logins themselves live in django-axes' tables (``AccessAttempt`` counts them per
username and address, ``AccessFailureLog`` keeps every one); ``SecurityEvent`` records what
axes does not: tries during a lockout, lifted lockouts, refused second factors and reset links.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityEventKind(models.TextChoices):
    LOCKED_OUT = "locked_out", _("login refused: locked out")
    UNLOCKED = "unlocked", _("lockout lifted")
    OTP_REFUSED = "otp_refused", _("second factor refused")
    OTP_DEVICE_CONFIRMED = "otp_confirmed", _("two-factor login set up")
    OTP_BACKUP_CODES = "otp_backup_codes", _("new backup codes made")
    OTP_BACKUP_CODE_USED = "otp_backup_used", _("backup code used")
    OTP_REMOVED = "otp_removed", _("two-factor login removed")
    RESET_REQUESTED = "reset_requested", _("password reset requested")
    RESET_THROTTLED = "reset_throttled", _("password reset refused: too many requests")
    RESET_LINK_REFUSED = "reset_refused", _("password reset link refused")
    RESET_DONE = "reset_done", _("password reset")


class SecurityEvent(models.Model):
    """One noteworthy event of a staff login (append-only)."""

    kind = models.CharField(_("kind"), max_length=32, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    # As typed at the login form: may name no user at all.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # A reason code ("replayed", "wrong", "expired_or_used"), never the secret that was tried.
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("login security event")
        verbose_name_plural = _("login security events")
        ordering = ["-at"]
        permissions = [("manage_lockouts", "Can see and lift login lockouts")]
        # The password reset throttle (logins/services.py ``_reset_wait``) counts the requests
        # taken per typed address and per client within a day; without these it read every
        # event of that kind since then (the day's requests of every address: a bot's flood).
        indexes = [
            models.Index(fields=["kind", "username", "at"], name="security_event_kind_user"),
            models.Index(fields=["kind", "ip_address", "at"], name="security_event_kind_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.at:%Y-%m-%d %H:%M}"


class RoleSecurity(models.Model):
    """Security rules of one role (a group): whether its members must log in with two factors."""

    group = models.OneToOneField(
        "auth.Group",
        on_delete=models.CASCADE,
        related_name="security",
        verbose_name=_("role"),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor login"),
        default=False,
        help_text=_(
            "Members must set up an authenticator app before they can use the staff pages."
        ),
    )

    class Meta:
        verbose_name = _("role security")
        verbose_name_plural = _("role security")

    def __str__(self) -> str:
        return str(self.group)


class StaffPreference(models.Model):
    """A staff member's own settings: the language their staff mail is written in (breach
    alerts, approval requests). Empty: the installation's language (settings.LANGUAGE_CODE)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of the mail you get from Stammkunde."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"
