from django.contrib import admin

from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.core.admin_tools import ReadOnlyAdmin, ReadOnlyTabularInline
from stammkunde.shop.models import Order, OrderLine, Product, Shipment, Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "platform", "currency", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class OrderLineInline(ReadOnlyTabularInline):
    model = OrderLine
    raw_id_fields = ["product"]


class ShipmentInline(ReadOnlyTabularInline):
    model = Shipment


@admin.register(Order)
class OrderAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    """Orders come from the shops through shop's services; here they are only shown."""

    list_display = ["number", "shop", "customer", "status", "total", "currency", "placed_at"]
    list_filter = ["shop", "status", "is_test"]
    search_fields = ["=number", "=external_id"]
    raw_id_fields = ["customer"]
    date_hierarchy = "placed_at"
    show_full_result_count = False
    inlines = [OrderLineInline, ShipmentInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "shop", "category", "price"]
    list_filter = ["shop", "category"]
    search_fields = ["sku", "name"]
