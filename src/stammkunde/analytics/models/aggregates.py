"""Small precomputed tables the dashboards read instead of scanning orders and scores.

Each table holds the figures of all shops together (``shop`` is NULL: what the owner and
unlimited staff see) and the figures of each shop alone (``shop`` set: what staff limited to
shops see, summed over their shops, and what the dashboard's shop choice shows). A shop's rows
are computed from its own orders only, as if it were a shop of its own: a customer is new in the
shop when they first buy there, and a customer buying in two shops counts in each of them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
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

    # NULL: all shops together (the rows from before shops had rows of their own are these).
    shop = models.ForeignKey(
        "shop.Shop",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the shop rows' unique index starts with it
    )
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
        # Two partial constraints: NULLs never collide in a unique index (SQLite, PostgreSQL
        # before 15), so the all-shop rows need one of their own.
        constraints = [
            models.UniqueConstraint(
                fields=["period", "currency", "period_start"],
                condition=Q(shop__isnull=True),
                name="kpi_row_unique",
            ),
            models.UniqueConstraint(
                fields=["shop", "period", "currency", "period_start"],
                condition=Q(shop__isnull=False),
                name="kpi_row_shop_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_start} {self.currency} {self.shop_id or 'all'}"


class CohortCell(models.Model):
    """Customers first buying in ``cohort_month`` who bought again ``month_offset`` months later."""

    # NULL: all shops together; a shop: cohorts by the first order in that shop.
    shop = models.ForeignKey(
        "shop.Shop",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the shop rows' unique index starts with it
    )
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
                fields=["currency", "cohort_month", "month_offset"],
                condition=Q(shop__isnull=True),
                name="cohort_cell_unique",
            ),
            models.UniqueConstraint(
                fields=["shop", "currency", "cohort_month", "month_offset"],
                condition=Q(shop__isnull=False),
                name="cohort_cell_shop_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_month:%Y-%m} +{self.month_offset}"
