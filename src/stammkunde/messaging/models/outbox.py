"""The outbox: one row per message that is to go out, from queued to sent (or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import Purpose


class MessageState(models.TextChoices):
    """Where a message is. ``sending`` is committed before the SMTP transaction starts and
    ``sent`` after it ends; a message found ``sending`` with its lease run out may have gone
    out or not, so it becomes ``uncertain`` and waits for staff (never resent by itself)."""

    QUEUED = "queued", _("Queued")
    HELD = "held", _("Delayed")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    UNCERTAIN = "uncertain", _("Uncertain")
    RETRYING = "retrying", _("Waiting to retry")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# States the worker picks up when due.
DUE_STATES = (MessageState.QUEUED, MessageState.HELD, MessageState.RETRYING)
# States in which a message counts as contact for the governor (it went out or is about to).
CONTACT_STATES = (
    MessageState.QUEUED,
    MessageState.SENDING,
    MessageState.SENT,
    MessageState.UNCERTAIN,
    MessageState.RETRYING,
)


class OutboundMessage(models.Model):
    """One message, rendered, with a stable Message-ID; sent at most once by the worker."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    to_address = models.CharField(_("to"), max_length=254)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    from_address = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=250, unique=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    source_type = models.CharField(max_length=20, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    # The order a message is about (feedback requests: one per order), as the shop's id text.
    order_id = models.CharField(max_length=64, blank=True)
    # Why the customer may get it: "transactional", "consent", or "existing_customer" (UWG
    # §7(3): the mail then carries the objection notice).
    legal_basis = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The worker's claim: who holds the message and until when (a lease, renewed while sending).
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Why it failed as a code of core.error_reasons (empty: ``error`` is shown as stored).
    # db_default: the bulk paths (campaigns, queue_many) insert rows without naming it.
    error_code = models.CharField(max_length=40, blank=True, default="", db_default="")
    # Who decided an uncertain message (resend or mark sent), kept with the row.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["customer", "purpose", "created_at"], name="outbox_customer"),
            models.Index(fields=["source_type", "source_id"], name="outbox_source"),
        ]
        permissions = [
            ("resolve_uncertain_message", _("Can resend or mark sent an uncertain message")),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address} ({self.state})"

    @property
    def error_message(self) -> str:
        """Why the message failed, in the reader's language (the technical text for an
        unknown code)."""
        from stammkunde.core.error_reasons import reason_sentence

        return reason_sentence(self.error_code, self.error)

    @property
    def domain(self) -> str:
        """The recipient's domain (per-domain rate limits)."""
        return self.to_address.rpartition("@")[2].lower()
