from django.contrib import admin

from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.core.admin_tools import ReadOnlyAdmin, ReadOnlyTabularInline
from stammkunde.shop.models import Order, OrderLine, Product, Shipment, Shop, StaffShopLimit
from stammkunde.shop.services import limit_staff_to_shops


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


@admin.register(StaffShopLimit)
class StaffShopLimitAdmin(admin.ModelAdmin):
    """Staff limited to shops: set through ``limit_staff_to_shops``, which writes the audit
    row (the admin's own save would skip it)."""

    list_display = ["user", "changed_at"]
    raw_id_fields = ["user"]
    filter_horizontal = ["shops"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        shops = form.cleaned_data.get("shops") or []
        limit = limit_staff_to_shops(obj.user, [shop.pk for shop in shops], by=request.user)
        obj.pk, obj.changed_at = limit.pk, limit.changed_at

    def save_related(self, request, form, formsets, change) -> None:
        # The shops were saved with the limit by the service (save_model).
        pass

    def delete_model(self, request, obj) -> None:
        limit_staff_to_shops(obj.user, None, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for limit in queryset.select_related("user"):
            limit_staff_to_shops(limit.user, None, by=request.user)
