"""One row of analytics results per scored customer, rewritten by every scoring run."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class RFMSegment(models.TextChoices):
    """Named RFM segments (the usual 11-segment map over recency and frequency/monetary scores)."""

    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal customers")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalists")
    NEW = "new", _("New customers")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class ScoreModel(models.TextChoices):
    """Which model produced the probabilistic figures of a score."""

    BGNBD = "bgnbd", _("BG/NBD")
    PARETONBD = "paretonbd", _("Pareto/NBD")
    RULES = "rules", _("Simple rules (no model fit)")


class UnscoredReason(models.TextChoices):
    """Why a customer (or part of their figures) could not be scored."""

    NONE = "", _("Scored")
    NO_COUNTED_ORDERS = "no_counted_orders", _("Only cancelled or test orders")
    FOREIGN_CURRENCY = "foreign_currency", _("Only orders in a currency without exchange rate")
    FUTURE_ORDERS = "future_orders", _("Only orders dated in the future")
    NO_ORDER_VALUE = "no_order_value", _("Orders fully refunded or returned: no order value")


class CustomerScore(models.Model):
    """RFM, reorder interval, churn alarm and BTYD predictions of one customer.

    Written in bulk by :func:`stammkunde.analytics.services.run_scoring`; never edited by hand.
    Money is in ``currency`` (the main currency of the installation).
    """

    customer = models.OneToOneField(
        "customers.Customer",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="score",
        verbose_name=_("customer"),
    )
    scored_at = models.DateTimeField(_("scored at"))
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    first_order_at = models.DateField(_("first order"), null=True, blank=True)
    last_order_at = models.DateField(_("last order"), null=True, blank=True)
    recency_days = models.IntegerField(_("days since last order"), null=True, blank=True)
    total_revenue = models.DecimalField(_("revenue"), **MONEY, default=0)
    average_order_value = models.DecimalField(_("average order value"), **MONEY, default=0)
    r_score = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=20, choices=RFMSegment.choices, blank=True, db_index=True
    )
    mean_interval_days = models.FloatField(_("own mean reorder interval (days)"), null=True)
    reference_interval_days = models.FloatField(_("reference interval (days)"), null=True)
    days_overdue = models.IntegerField(_("days overdue"), null=True, blank=True)
    churn_alarm = models.BooleanField(_("churn alarm"), default=False)
    churn_alarm_since = models.DateField(_("churn alarm since"), null=True, blank=True)
    p_alive = models.FloatField(_("probability still active"), null=True, blank=True)
    churn_risk = models.FloatField(_("churn risk"), null=True, blank=True)
    expected_purchases_30 = models.FloatField(_("expected purchase days, 30 days"), null=True)
    expected_purchases_90 = models.FloatField(_("expected purchase days, 90 days"), null=True)
    expected_purchases_365 = models.FloatField(_("expected purchase days, 365 days"), null=True)
    expected_next_order_at = models.DateField(_("expected next order"), null=True, blank=True)
    expected_order_value = models.DecimalField(
        _("expected value per purchase day"), **MONEY, null=True, blank=True
    )
    clv_12m = models.DecimalField(
        _("predicted value, next 12 months"), **MONEY, null=True, blank=True
    )
    model = models.CharField(
        _("model"), max_length=10, choices=ScoreModel.choices, default=ScoreModel.RULES
    )
    unscored_reason = models.CharField(
        _("not scored because"),
        max_length=20,
        choices=UnscoredReason.choices,
        blank=True,
        default="",
    )

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        # The dashboard lists fresh alarms by value; segments filter on churn risk and CLV.
        indexes = [
            models.Index(
                fields=["churn_alarm_since", "clv_12m"],
                name="score_alarm_since",
                condition=Q(churn_alarm=True),
            ),
            models.Index(fields=["churn_risk"], name="score_churn_risk"),
            models.Index(fields=["clv_12m"], name="score_clv"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(r_score__isnull=True) | Q(r_score__gte=1, r_score__lte=5),
                name="score_r_range",
            ),
            models.CheckConstraint(
                condition=Q(f_score__isnull=True) | Q(f_score__gte=1, f_score__lte=5),
                name="score_f_range",
            ),
            models.CheckConstraint(
                condition=Q(m_score__isnull=True) | Q(m_score__gte=1, m_score__lte=5),
                name="score_m_range",
            ),
        ]
        permissions = [("run_scoring", _("Can run the scoring job and the churn backtest"))]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.get_rfm_segment_display() or self.unscored_reason}"
