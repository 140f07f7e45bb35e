from django.contrib import admin

from stammkunde.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``stammkunde api token create`` (the secret is shown once);
    here they are listed and can be revoked by setting the revocation time."""

    list_display = ["name", "prefix", "shop", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["shop"]
    readonly_fields = [
        "name",
        "prefix",
        "scopes",
        "shop",
        "created_by",
        "created_at",
        "last_used_at",
    ]
    fields = [*readonly_fields, "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False
