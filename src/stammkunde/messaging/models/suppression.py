"""Addresses that get no more mail (or no more marketing), with the reason."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    UNSUBSCRIBED_ALL = "unsubscribed_all", _("Unsubscribed from everything")
    MANUAL = "manual", _("Added by staff")
    INVALID = "invalid", _("Invalid address")


# Reasons that stop only marketing: an order confirmation still reaches someone who
# unsubscribed. Every other reason stops all mail (the address bounces or reported spam).
MARKETING_ONLY_REASONS = frozenset({SuppressionReason.UNSUBSCRIBED_ALL})


class Suppression(models.Model):
    """One suppressed address (normalized: trimmed, lower case), once."""

    address = models.CharField(_("address"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True, db_index=True)
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        permissions = [("manage_suppression", _("Can add and remove suppressed addresses"))]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"
