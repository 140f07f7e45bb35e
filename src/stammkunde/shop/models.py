from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")

# The statutory withdrawal period for distance sales in the EU (§ 355 BGB): 14 days.
WITHDRAWAL_PERIOD = timedelta(days=14)


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPWARE6 = "shopware6", "Shopware 6"
    GENERIC = "generic", _("Other shop system (generic JSON)")
    CSV = "csv", _("CSV import")
    DEMO = "demo", _("Demo shop")


class Shop(models.Model):
    """A sales channel: one online shop whose customers and orders flow into this CRM."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return self.name


class ShopAccount(models.Model):
    """A customer's identity in one shop (the shop's customer id).

    One person who buys in two shops has two accounts and is one customer here.
    """

    # Indexed by shop_account_unique, which starts with it.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="accounts", db_index=False
    )
    # The shop's customer number ("K-1001"), which customers quote on the phone: indexed for
    # search (shop_account_unique starts with the shop and cannot serve it).
    external_id = models.CharField(max_length=100, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="shop_accounts"
    )
    # The shop's change time of the customer data last taken over, so an older update is ignored.
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="shop_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug}:{self.external_id}"


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=300)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    price = models.DecimalField(_("price"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["shop", "sku"], name="product_sku_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


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


class StaffShopLimit(models.Model):
    """A staff member who sees only the customers and orders of some shops (issue 12).

    Optional: a user without this row sees every shop; a row with no shops sees no customer.
    Set through ``shop.services.limit_staff_to_shops`` (audited); the rule is applied by the
    queries behind the staff pages (``shop/visibility.py``, ``core/scoping.py``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shop_limit",
        verbose_name=_("staff member"),
    )
    shops = models.ManyToManyField(
        Shop, blank=True, related_name="+", verbose_name=_("shops they may see")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("staff limit to shops")
        verbose_name_plural = _("staff limits to shops")

    def __str__(self) -> str:
        return str(self.user)
