"""Shop vouchers with single-use codes, granted as goodwill and redeemed by later orders."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.shop.models.money import MONEY
from stammkunde.shop.models.orders import Order
from stammkunde.shop.models.shops import Shop


class VoucherKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class Voucher(models.Model):
    """A single-use voucher code the shop honours: issued here (a goodwill grant), imported by
    the shop from our CSV export, and recognised when a later order quotes its code.

    ``source_type`` and ``source_id`` name what issued it ("goodwill" and the grant's id)
    without a foreign key upwards: shop sits below the service desk.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=VoucherKind.choices, default=VoucherKind.AMOUNT
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
        verbose_name=_("customer"),
    )
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="vouchers"
    )
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    redeemed_order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redeemed_vouchers",
        verbose_name=_("redeemed with order"),
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="voucher_amount_not_negative")
        ]
        indexes = [models.Index(fields=["source_type", "source_id"], name="voucher_source")]
        permissions = [("export_vouchers", _("Can export voucher codes for the shop"))]

    def __str__(self) -> str:
        return self.code
