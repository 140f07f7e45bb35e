"""The webhook inbox: every delivery a shop sent us, stored raw before we answer."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    RECEIVED = "received", _("Waiting")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored")


# States in which a delivery still has work ahead of it; younger deliveries of the same
# resource wait for these so two updates of one order are never applied out of order.
OPEN_STATES = (DeliveryState.RECEIVED, DeliveryState.PROCESSING)


class WebhookDelivery(models.Model):
    """One delivery as it arrived (headers and raw body), and what became of it.

    ``delivery_id`` is unique per shop among first deliveries: a second delivery with the same
    id is kept too (state duplicate, ``duplicate_of`` set) so the inbox shows what the shop
    sent, but it is never processed. Rejected deliveries do not count: a forged delivery must
    not block the real one with the same id.
    """

    # No index of its own: webhook_delivery_resource starts with it. Every index here is
    # written on each accepted delivery and again when its outcome is saved.
    shop = models.ForeignKey(
        "shop.Shop", on_delete=models.CASCADE, related_name="webhook_deliveries", db_index=False
    )
    platform = models.CharField(_("platform"), max_length=16)
    source = models.CharField(_("source"), max_length=16, default="webhook")
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    delivery_id = models.CharField(_("delivery id"), max_length=200, blank=True)
    resource_key = models.CharField(_("resource"), max_length=200, blank=True)
    resource_updated_at = models.DateTimeField(_("resource updated"), null=True, blank=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.BinaryField(_("body"))
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Why it failed as a code of core.error_reasons, told in the reader's language; ``error``
    # keeps the technical text (shown alone for rows from before the code, or an unknown one).
    error_code = models.CharField(_("reason"), max_length=40, blank=True, default="", db_default="")
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # webhook_delivery_duplicates indexes the few that are set
    )
    events_count = models.PositiveIntegerField(_("events"), default=0)
    # What the delivery touched, for the inbox detail page: {"customer_ids": [...], ...}.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "delivery_id"],
                condition=~Q(state__in=["duplicate", "rejected"]) & ~Q(delivery_id=""),
                name="webhook_delivery_first_once",
            )
        ]
        indexes = [
            # The worker's queue: open deliveries in arrival order.
            models.Index(
                fields=["id"],
                condition=Q(state__in=["received", "processing"]),
                name="webhook_delivery_open",
            ),
            # "Is an older delivery of this order still open?"
            models.Index(fields=["shop", "resource_key", "id"], name="webhook_delivery_resource"),
            models.Index(fields=["state", "-id"], name="webhook_delivery_state"),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="webhook_delivery_duplicates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic or '?'} {self.delivery_id} ({self.get_state_display()})"

    @property
    def error_message(self) -> str:
        """Why the delivery failed, in the reader's language (the technical text for an
        unknown code)."""
        from stammkunde.core.error_reasons import reason_sentence

        return reason_sentence(self.error_code, self.error)
