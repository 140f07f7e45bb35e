"""The Drehbuch: which mail goes out when, and each scheduled firing of a trigger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models.templates import MessageTemplate
from stammkunde.messaging.trigger_events import TriggerEvent


class Trigger(models.Model):
    """One line of the Drehbuch: at this event, after this delay, under these conditions,
    this mail (per language) from this person. Switched on only when the mail reads as
    personal (``messaging.services.triggers.switch_trigger``)."""

    # "default:<event>" for the triggers that ship (seeding adds the missing ones by key).
    key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    event = models.CharField(_("event"), max_length=32, choices=TriggerEvent.choices)
    delay = models.DurationField(_("delay"), default=0)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    template_de = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    template_en = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sender_name = models.CharField(_("sender's name"), max_length=100)
    sender_address = models.EmailField(_("sender's address"))
    sender_role = models.CharField(_("sender's role"), max_length=100, blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    is_active = models.BooleanField(_("on"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["event", "name"]

    def __str__(self) -> str:
        return self.name

    def template_for(self, language: str) -> MessageTemplate | None:
        """The mail in ``language``, else the German one (the shop's own language)."""
        if language == "en" and self.template_en_id:
            return self.template_en
        return self.template_de or self.template_en


class RunState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    QUEUED = "queued", _("Handed to the outbox")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class TriggerRun(models.Model):
    """One firing of a trigger for one customer, due after the trigger's delay.

    ``idempotency_key`` (trigger + event + customer) makes a second delivery of the same event
    find the first run; ``facts`` are the event's plain values the mail is built from.
    """

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="runs")
    idempotency_key = models.CharField(max_length=200, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", null=True
    )
    event_id = models.BigIntegerField(null=True, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.WAITING)
    reason = models.CharField(max_length=300, blank=True)
    decision = models.ForeignKey(
        "messaging.SendDecision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "due_at"], name="trigger_run_due"),
            models.Index(fields=["trigger", "created_at"], name="trigger_run_recent"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key
