"""The owner's targets for the key figures (seed 001: "Ziele definieren")."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class GoalKpi(models.TextChoices):
    """The key figures a goal can be set for; each maps to one figure of the dashboard."""

    AVERAGE_ORDER_VALUE = "average_order_value", _("Average basket value")
    PURCHASE_FREQUENCY = "purchase_frequency", _("Purchase frequency (orders per customer)")
    NEW_CUSTOMERS = "new_customers", _("New customers per month")
    REVIEW_RATE = "review_rate", _("Review rate")
    REPEAT_RATE = "repeat_rate", _("Repeat-purchase rate")


class Goal(models.Model):
    """One target per key figure; setting it again replaces the old value."""

    kpi = models.CharField(_("key figure"), max_length=32, choices=GoalKpi.choices, unique=True)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)]
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["kpi"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        permissions = [
            ("view_dashboard", _("Can see the analytics dashboard")),
            ("manage_goals", _("Can set the targets for the key figures")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()}: {self.target}"
