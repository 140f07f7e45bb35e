"""Service standards (house rules, seed 001 tip 2): versioned text every agent confirms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceStandard(models.Model):
    """One published version of the house rules; a new version replaces the text as a whole."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("service standard")
        verbose_name_plural = _("service standards")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class StandardConfirmation(models.Model):
    """An agent read and confirmed one version."""

    standard = models.ForeignKey(
        ServiceStandard, on_delete=models.CASCADE, related_name="confirmations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standard_confirmations"
    )
    confirmed_at = models.DateTimeField(_("confirmed"))

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        constraints = [
            models.UniqueConstraint(fields=["standard", "user"], name="standard_confirmed_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} v{self.standard_id}"
