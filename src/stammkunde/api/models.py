from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do. One scope per resource and direction, so an integration gets only
    what it needs (a shop sync writes orders, a BI tool only reads)."""

    CUSTOMERS_READ = "customers:read", _("Read customers")
    CUSTOMERS_WRITE = "customers:write", _("Create and change customers")
    CUSTOMERS_MERGE = "customers:merge", _("Merge duplicate customers")
    ORDERS_READ = "orders:read", _("Read orders")
    ORDERS_WRITE = "orders:write", _("Create and change orders")
    EVENTS_WRITE = "events:write", _("Post shop events")
    ACTIVITIES_READ = "activities:read", _("Read timelines")
    ACTIVITIES_WRITE = "activities:write", _("Add notes to timelines")
    PRIVACY = "customers:privacy", _("Export and erase a customer's data (GDPR)")


class ApiToken(models.Model):
    """One integration's key to the REST API.

    Only a SHA-256 hash of the token is stored: the token itself is shown once, when it is
    created. Tokens are long random strings, so a plain hash is as safe as a slow one here and
    lets each request find its token with one index lookup. ``shop`` binds the token to one
    shop: it then writes orders and events of that shop only and reads only its orders.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    shop = models.ForeignKey(
        "shop.Shop",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("shop"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
