"""Small precomputed tables the dashboards read instead of scanning orders and scores."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class KpiPeriod(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class KpiRow(models.Model):
    """Order KPIs of one period (day, ISO week from Monday, or month) in one currency.

    Counts of distinct customers cannot be summed from days into weeks, so each period kind
    has rows of its own.
    """

    period = models.CharField(max_length=5, choices=KpiPeriod.choices)
    period_start = models.DateField()
    currency = models.CharField(max_length=3)
    revenue = models.DecimalField(**MONEY, default=0)
    orders = models.PositiveIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    returning_customers = models.PositiveIntegerField(default=0)
    repeat_orders = models.PositiveIntegerField(default=0)
    returned_orders = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("KPI row")
        verbose_name_plural = _("KPI rows")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "currency", "period_start"], name="kpi_row_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_start} {self.currency}"


class CohortCell(models.Model):
    """Customers first buying in ``cohort_month`` who bought again ``month_offset`` months later."""

    currency = models.CharField(max_length=3)
    cohort_month = models.DateField()
    month_offset = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(**MONEY, default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cohort cell")
        verbose_name_plural = _("cohort cells")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "cohort_month", "month_offset"], name="cohort_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cohort_month:%Y-%m} +{self.month_offset}"
