from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.core.choices import choice_label
from stammkunde.timeline.formatting import format_actor
from stammkunde.timeline.kinds import ActivityKind
from stammkunde.timeline.rendering import render_summary

__all__ = ["Activity", "ActivityKind", "Channel", "Direction"]


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
    # What the sentence of the kind needs (order number, amount and currency, carrier, reason,
    # ...) as plain JSON values; ``{"text": ...}`` holds a line as written (a note, a call, an
    # entry from before entries were structured), shown as it is.
    params = models.JSONField(default=dict, blank=True)
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
            # The start page's newest contacts by when they happened, without sorting the table.
            models.Index(fields=["-occurred_at", "-id"], name="activity_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    # Shown for every entry of a timeline: the choices' labels looked up once per field
    # (core/choices.py), not rebuilt per call as Django's own methods do.
    def get_kind_display(self) -> str:
        """The kind's label in the active language."""
        return choice_label(self, "kind")

    def get_channel_display(self) -> str:
        """The channel's label in the active language."""
        return choice_label(self, "channel")

    def get_direction_display(self) -> str:
        """The direction's label in the active language."""
        return choice_label(self, "direction")

    @property
    def summary(self) -> str:
        """The entry's line in the active language (rendered from kind and params)."""
        return render_summary(self.kind, self.params)

    @property
    def actor_name(self) -> str:
        """The person or system that caused the entry, for display (in the active language)."""
        if self.actor_id:
            return format_actor(self.actor_label) if self.actor_label else str(self.actor)
        return format_actor(self.actor_label) if self.actor_label else "system"
