"""The refund clock (seed 003): a received return should be refunded within a business day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefundClock(models.Model):
    """One received return and its refund deadline; the periodic check warns, then escalates."""

    return_request = models.OneToOneField(
        "shop.Return", on_delete=models.CASCADE, related_name="refund_clock"
    )
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("refund due"), db_index=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("refund clock")
        verbose_name_plural = _("refund clocks")

    def __str__(self) -> str:
        return f"{self.return_request_id}: {self.due_at}"
