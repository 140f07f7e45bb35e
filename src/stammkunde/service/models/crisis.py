"""Crisis plans per incident type (seed 001 tip 3) and incidents that group affected orders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.service.models.goodwill import MONEY, DeskRole, GoodwillKind
from stammkunde.service.models.macros import Language


class IncidentType(models.TextChoices):
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    DEFECTIVE_PRODUCT = "defective_product", _("Defective product")
    DISPUTE = "dispute", _("Withdrawal or warranty dispute")


class CrisisPlan(models.Model):
    """What to do when an incident type strikes: steps, goodwill, replies, deadline, owner."""

    incident_type = models.CharField(
        _("incident type"), max_length=24, choices=IncidentType.choices
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.GERMAN
    )
    name = models.CharField(_("name"), max_length=200)
    # The case types whose cases show this plan.
    case_types = models.JSONField(_("case types"), default=list, blank=True)
    suggested_goodwill_kind = models.CharField(
        _("suggested goodwill"), max_length=16, choices=GoodwillKind.choices, blank=True
    )
    suggested_goodwill_amount = models.DecimalField(
        _("suggested amount"), **MONEY, null=True, blank=True
    )
    deadline_hours = models.PositiveIntegerField(_("solved within (business hours)"), default=8)
    responsible_role = models.CharField(
        _("responsible role"), max_length=32, choices=DeskRole.choices, default=DeskRole.AGENT
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["incident_type", "language"]
        verbose_name = _("crisis plan")
        verbose_name_plural = _("crisis plans")
        constraints = [
            models.UniqueConstraint(
                fields=["incident_type", "language"], name="crisis_plan_per_type_language"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CrisisStep(models.Model):
    plan = models.ForeignKey(CrisisPlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"))
    text = models.CharField(_("step"), max_length=500)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="crisis_step_position")
        ]

    def __str__(self) -> str:
        return self.text


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """Something that hit many customers at once (a delayed batch, a recalled product)."""

    title = models.CharField(_("title"), max_length=200)
    incident_type = models.CharField(
        _("incident type"), max_length=24, choices=IncidentType.choices
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    # The personal message each affected customer gets (rendered like a macro).
    message_subject = models.CharField(_("subject"), max_length=200, blank=True)
    message_body = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [("manage_incidents", _("Can open incidents and message affected customers"))]

    def __str__(self) -> str:
        return self.title


class AffectedOrder(models.Model):
    """An order hit by an incident; its customer gets one message (``notified_at``)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    # The outbox's verdict in words when the message was not queued (held back, no address).
    notify_outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("affected order")
        verbose_name_plural = _("affected orders")
        constraints = [
            models.UniqueConstraint(fields=["incident", "order"], name="incident_order_once")
        ]
        indexes = [models.Index(fields=["incident", "notified_at"], name="affected_notified")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.order_id}"
