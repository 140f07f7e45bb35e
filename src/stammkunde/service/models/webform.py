"""The public case form: each submission stored before it is processed (like inbound mail)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionState(models.TextChoices):
    RECEIVED = "received", _("Received")
    DONE = "done", _("Case opened")
    PARKED = "parked", _("Parked")


class WebFormSubmission(models.Model):
    """What a visitor sent through the help page's form, as sent.

    ``client_key`` is a keyed hash of the sender's IP address (never the address itself): it
    counts submissions per sender for the rate limit. Work item fields as ``core.retrying``
    expects them: a failed submission is retried, then parked with its reason.
    """

    received_at = models.DateTimeField(_("received"), db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    topic = models.CharField(_("topic"), max_length=32, blank=True)
    message = models.TextField(_("message"))
    language = models.CharField(_("language"), max_length=8, default="de")
    client_key = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="web_form_submissions",
    )
    case_reference = models.CharField(_("case"), max_length=32, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SubmissionState.choices, default=SubmissionState.RECEIVED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")
        indexes = [
            models.Index(fields=["client_key", "received_at"], name="webform_client_time"),
            models.Index(fields=["state", "next_attempt_at"], name="webform_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.received_at:%Y-%m-%d %H:%M}"


class FormThrottle(models.Model):
    """Refused attempts per sender and minute, so a flood is seen (and stopped) without storing
    each refused message."""

    client_key = models.CharField(max_length=64)
    minute = models.DateTimeField()
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_key", "minute"], name="form_throttle_minute")
        ]

    def __str__(self) -> str:
        return f"{self.client_key[:8]} {self.minute}: {self.refused}"
