"""The owner's analytics settings: one row, edited in the admin (or the dashboard)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceInterval(models.TextChoices):
    STORE = "store", _("Store-wide average reorder interval")
    SEGMENT = "segment", _("Average reorder interval of the customer's RFM segment")
    CATEGORY = "category", _("Average reorder interval of the customer's main product category")


class AnalyticsSettings(models.Model):
    """Rules of the scoring job. A single row (pk=1), created with defaults on first use."""

    churn_factor = models.FloatField(
        _("churn alarm factor"),
        default=2.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(20.0)],
        help_text=_("Alarm when the time since the last order exceeds this many intervals."),
    )
    reference_interval = models.CharField(
        _("reference interval"),
        max_length=10,
        choices=ReferenceInterval.choices,
        default=ReferenceInterval.STORE,
    )
    interval_overrides = models.JSONField(
        _("fixed reference intervals (days)"),
        default=dict,
        blank=True,
        help_text=_(
            'Optional fixed intervals, e.g. {"segment": {"loyal": 30}, "category": {"Tea": 45}}.'
        ),
    )
    clv_margin = models.DecimalField(
        _("margin for CLV"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of revenue that is profit; 1 means CLV in revenue."),
    )
    monthly_discount_rate = models.DecimalField(
        _("monthly discount rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
    )
    main_currency = models.CharField(
        _("main currency"),
        max_length=3,
        blank=True,
        help_text=_("Empty: the currency of most orders."),
    )
    exchange_rates = models.JSONField(
        _("exchange rates"),
        default=dict,
        blank=True,
        help_text=_('Units of the main currency per unit of another, e.g. {"GBP": 1.17}.'),
    )
    holdout_days = models.PositiveIntegerField(
        _("holdout days for the calibration check"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("analytics settings")
        verbose_name_plural = _("analytics settings")

    def __str__(self) -> str:
        return str(_("Analytics settings"))
