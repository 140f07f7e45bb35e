"""What happens after an order: returns, refunds and withdrawals (the 14-day right)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.shop.models.money import MONEY
from stammkunde.shop.models.orders import Order, OrderLine

# The statutory withdrawal period for distance sales in the EU (§ 355 BGB): 14 days.
WITHDRAWAL_PERIOD = timedelta(days=14)


class ReturnReason(models.TextChoices):
    DEFECTIVE = "defective", _("Defective")
    WRONG_ITEM = "wrong_item", _("Wrong item delivered")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    SIZE = "size", _("Does not fit")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    OTHER = "other", _("Other")


class ReturnStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")


class Return(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    external_id = models.CharField(max_length=100, blank=True, db_default="")
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.ANNOUNCED
    )
    announced_at = models.DateTimeField(_("announced"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["announced_at"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")

    def __str__(self) -> str:
        return f"{self.order} ({self.get_reason_display()})"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="returns")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.name}"


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    # Our own key (a goodwill refund's ``goodwill:<grant>``) or the platform's id.
    external_id = models.CharField(max_length=100, blank=True)
    # The platform's id of a refund we made first (goodwill) and the shop reported later:
    # linked here instead of counting the same money twice.
    platform_external_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded"))

    class Meta:
        ordering = ["refunded_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class WithdrawalStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed (refunded)")
    REJECTED = "rejected", _("Rejected (period expired)")


class Withdrawal(models.Model):
    """A withdrawal from the contract (Widerruf) under the statutory 14-day right."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="withdrawals")
    external_id = models.CharField(max_length=100, blank=True, db_default="")
    declared_at = models.DateTimeField(_("declared"))
    channel = models.CharField(_("received via"), max_length=16, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.RECEIVED,
    )
    within_period = models.BooleanField(_("within the withdrawal period"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["declared_at"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self) -> str:
        return f"{self.order} ({self.get_status_display()})"
