"""The Django admin of staff accounts and role groups: only superusers change them.

The Admin group may see users and groups (``ui/roles.py``), but whoever changes a user's
groups, permissions or superuser flag, or a group's permissions, decides what everyone may do;
so that is for superusers, whatever permissions a group was given by hand.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from stammkunde.logins.models import StaffPreference
from stammkunde.logins.services import set_staff_language


class SuperuserOnlyChanges:
    """Adding, changing and deleting only for superusers; others may at most look."""

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


admin.site.unregister(User)
admin.site.unregister(Group)


class StaffPreferenceInline(admin.StackedInline):
    """The staff member's own settings (the language of their mail), beside the account."""

    model = StaffPreference
    fields = ("language",)
    can_delete = False
    max_num = 1


@admin.register(User)
class StaffUserAdmin(SuperuserOnlyChanges, UserAdmin):
    """Staff accounts; a non-superuser's view of them is read-only (no password change)."""

    inlines = [StaffPreferenceInline]

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not StaffPreference:
            super().save_formset(request, form, formset, change)
            return
        # Through the service, like the staff member's own settings page (audited).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            if inline.has_changed():
                language = inline.cleaned_data.get("language", "")
                saved = set_staff_language(form.instance, language, by=request.user)
                formset.changed_objects.append((saved, ["language"]))


@admin.register(Group)
class RoleGroupAdmin(SuperuserOnlyChanges, GroupAdmin):
    """The role groups of ui/roles.py (re-applied by every migrate)."""


# Staff limited to shops (``shop.StaffShopLimit``) get no Django admin: its lists and forms
# (customers, orders, consents, scores, deliveries, connections, the audit log) are not
# filtered by shop as the staff pages are, so an admin limited to shop A read shop B's
# customers and orders there. The staff pages serve them (filtered); the admin is for
# unlimited admins and superusers.
_site_permission = admin.site.has_permission


def _not_limited_to_shops(request) -> bool:
    from stammkunde.shop.visibility import staff_shop_ids

    return _site_permission(request) and staff_shop_ids(request.user) is None


admin.site.has_permission = _not_limited_to_shops
