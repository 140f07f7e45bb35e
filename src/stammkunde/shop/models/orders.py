"""Orders as the shops report them, their lines and shipments; money as Decimal with a currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stammkunde.shop.models.money import MONEY, ZERO
from stammkunde.shop.models.shops import Product, Shop


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


def reversed_number(number: str) -> str:
    """``number`` read backwards, as stored in ``Order.number_reversed`` for suffix search."""
    return (number or "")[::-1]


class Order(models.Model):
    """An order as the shop reported it. Money is Decimal in the order's currency.

    ``external_id`` is the shop's own id (unique per shop) used for upserts; ``number`` is what
    the customer sees on the invoice and quotes on the phone. ``source_updated_at`` is the
    shop's own change time, so an older update never overwrites a newer one.
    """

    # shop and customer have no index of their own: order_external_unique and
    # order_customer_time start with them, and every index is written on each of the
    # millions of inserts of an import.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders", db_index=False)
    external_id = models.CharField(max_length=100)
    number = models.CharField(_("order number"), max_length=64, db_index=True)
    # The number read backwards: customers quote the end of a number ("10234" for 110234), and
    # an end is a prefix of the reversed text, which one index range scan finds. Written with
    # ``number`` by every writer of orders (``reversed_number``).
    number_reversed = models.CharField(max_length=64, blank=True, default="", db_default="")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,
    )
    # The person this order was detached from by the shop's redact request while they stay a
    # customer of other shops: it is kept whole as an accounting voucher, tied to nobody, and
    # stripped when its period ends (``shop.gdpr``). A plain id: it is no relationship.
    detached_from_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    email = models.EmailField(_("e-mail on the order"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    placed_at = models.DateTimeField(_("placed"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=ZERO)
    shipping_total = models.DecimalField(_("shipping"), **MONEY, default=ZERO)
    discount_total = models.DecimalField(_("discount"), **MONEY, default=ZERO)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY, default=ZERO)
    refunded_total = models.DecimalField(_("refunded"), **MONEY, default=ZERO)
    is_test = models.BooleanField(_("test order"), default=False)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="order_external_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_time"),
            models.Index(fields=["placed_at"], name="order_placed_at"),
            models.Index(fields=["number_reversed"], name="order_number_reversed"),
        ]
        permissions = [("import_data", _("Can import customers and orders from files"))]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Keeps the reversed copy in step for writers that save single orders (tests, admin).
        self.number_reversed = reversed_number(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "number_reversed"}
        super().save(*args, **kwargs)

    @property
    def net_total(self) -> Decimal:
        """What the customer finally paid: total less refunds."""
        return self.total - self.refunded_total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    # The shop's id of the line (Shopify line_item id), so refunds and returns can name it.
    # The database default serves the bulk paths (CSV import, demo) that insert with raw SQL.
    external_id = models.CharField(max_length=100, blank=True, db_default="")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        ordering = ["order", "line_number"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="order_line_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    external_id = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.URLField(_("tracking link"), max_length=500, blank=True)
    shipped_at = models.DateTimeField(_("shipped"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["shipped_at"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [models.Index(fields=["tracking_number"], name="shipment_tracking")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()
