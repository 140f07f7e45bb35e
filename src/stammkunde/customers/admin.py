from django.contrib import admin

from stammkunde.audit.admin_mixins import AuditedAdminMixin
from stammkunde.core.admin_tools import ReadOnlyAdmin, ReadOnlyTabularInline
from stammkunde.customers.models import Address, ConsentEvent, Customer, Tag


class AddressInline(ReadOnlyTabularInline):
    model = Address


@admin.register(Customer)
class CustomerAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["__str__", "email", "company", "status", "created_at"]
    list_filter = ["status", "form_of_address", "language"]
    search_fields = ["email", "last_name_key", "first_name_key"]
    show_full_result_count = False
    raw_id_fields = ["merged_into"]
    filter_horizontal = ["tags"]
    inlines = [AddressInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(ConsentEvent)
class ConsentEventAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    """The consent ledger is append-only: entries are shown, never added or edited here."""

    list_display = ["customer", "channel", "purpose", "granted", "source", "given_at"]
    list_filter = ["channel", "purpose", "granted", "source"]
    raw_id_fields = ["customer"]
    show_full_result_count = False
