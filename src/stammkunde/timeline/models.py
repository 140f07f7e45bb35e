from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    """What happened. Every app adds its kinds here, so the ledger stays one vocabulary."""

    CUSTOMER_CREATED = "customer_created", _("Customer created")
    CUSTOMER_UPDATED = "customer_updated", _("Customer updated")
    CUSTOMER_MERGED = "customer_merged", _("Customers merged")
    CONSENT_CHANGED = "consent_changed", _("Consent changed")
    # A shop's or a file's grant that a newer direct opt-out kept out of the consent ledger.
    CONSENT_NOT_TAKEN = "consent_not_taken", _("Consent not taken over")
    ORDER_PLACED = "order_placed", _("Order placed")
    ORDER_UPDATED = "order_updated", _("Order updated")
    ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
    ORDER_SHIPPED = "order_shipped", _("Order shipped")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    RETURN_RECEIVED = "return_received", _("Return received")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    WITHDRAWAL_RECEIVED = "withdrawal_received", _("Withdrawal received")
    EMAIL_IN = "email_in", _("E-mail received")
    EMAIL_OUT = "email_out", _("E-mail sent")
    CALL = "call", _("Phone call")
    NOTE = "note", _("Note")
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_CLOSED = "case_closed", _("Case closed")
    PRIVACY_REQUEST = "privacy_request", _("Privacy request received")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    SHOP = "shop", _("Shop")
    LETTER = "letter", _("Letter")
    CHAT = "chat", _("Chat")
    IN_PERSON = "in_person", _("In person")
    INTERNAL = "internal", _("Internal")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("from the customer")
    OUTBOUND = "outbound", _("to the customer")
    INTERNAL = "internal", _("internal")


class Activity(models.Model):
    """One entry in a customer's timeline.

    ``subject_type``/``subject_id`` point at the object the entry is about (an order, a case)
    without a database-level link, so apps above the timeline can be linked without the timeline
    importing them. ``dedupe_key`` makes writers idempotent: a re-imported order or a redelivered
    webhook finds its entry and adds none.
    """

    # No index of its own: activity_customer_time starts with it and serves every lookup by
    # customer; a second index would only be written at random places on every insert.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    kind = models.CharField(max_length=32, choices=ActivityKind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.INTERNAL)
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.INTERNAL
    )
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    summary = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="activity_customer_time"),
            models.Index(fields=["subject_type", "subject_id"], name="activity_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def actor_name(self) -> str:
        """The person or system that caused the entry, for display."""
        if self.actor_id:
            return self.actor_label or str(self.actor)
        return self.actor_label or "system"
