"""Campaigns: one mailing to a segment, planned in bulk, decided per recipient."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models.templates import MessageTemplate


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PLANNED = "planned", _("Planned")
    SENDING = "sending", _("Being queued")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    """A newsletter or one-off mailing. Planning decides for each customer of the segment
    (consent, suppression, holds, governor) and records every decision; the messages of the
    recipients it may go to are then rendered and queued in batches."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.NEWSLETTER
    )
    segment = models.ForeignKey(
        "analytics.Segment", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    template_de = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    template_en = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sender_name = models.CharField(_("sender's name"), max_length=100)
    sender_address = models.EmailField(_("sender's address"))
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    track_clicks = models.BooleanField(_("count clicks through a redirect"), default=False)
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    audience_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        permissions = [("run_campaigns", _("Can plan and send campaigns"))]

    def __str__(self) -> str:
        return self.name

    def template_for(self, language: str) -> MessageTemplate | None:
        if language == "en" and self.template_en_id:
            return self.template_en
        return self.template_de or self.template_en


class CampaignClick(models.Model):
    """A click on a link of a campaign mail, counted only when the campaign tracks clicks."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="clicks")
    message_id = models.BigIntegerField(null=True)
    url = models.URLField(max_length=1000)
    clicked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url
