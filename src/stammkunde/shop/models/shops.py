"""The shops, a customer's account at a shop, products, and the shops a staff user is limited to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.shop.models.money import MONEY


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
