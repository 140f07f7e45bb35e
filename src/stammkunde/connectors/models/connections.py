"""How the CRM talks to one shop: its webhook secret and the credentials of its REST API."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from stammkunde.core.fields import EncryptedTextField


def new_webhook_secret() -> str:
    """A random secret the integrator pastes into the shop (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_hook_token() -> str:
    """The unguessable last part of the shop's webhook URL."""
    return secrets.token_urlsafe(18)


class ShopConnection(models.Model):
    """A configured shop's connection: where its webhooks arrive and how to call its API.

    The webhook URL is ``/hooks/<shop slug>/<hook_token>/``: the token keeps strangers from
    filling the inbox with rejected deliveries of a shop they merely guessed the slug of; the
    signature (``webhook_secret``) is what proves a delivery authentic.
    """

    shop = models.OneToOneField(
        "shop.Shop", on_delete=models.CASCADE, related_name="connection", verbose_name=_("shop")
    )
    # The secrets are stored encrypted (core/crypto.py): a copy of the database alone does not
    # let anyone forge this shop's webhooks or call its API.
    webhook_secret = EncryptedTextField(_("webhook secret"))
    hook_token = models.CharField(max_length=64, unique=True, default=new_hook_token)
    api_base_url = models.URLField(_("API base URL"), max_length=300, blank=True)
    api_key = EncryptedTextField(
        _("API key"),
        blank=True,
        help_text=_(
            "Shopify: Admin API access token; WooCommerce: consumer key; Shopware 6: client id."
        ),
    )
    api_secret = EncryptedTextField(
        _("API secret"),
        blank=True,
        help_text=_("WooCommerce: consumer secret; Shopware 6: client secret."),
    )
    last_reconciled_at = models.DateTimeField(_("last reconciled"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")

    def __str__(self) -> str:
        return str(self.shop)

    @property
    def webhook_path(self) -> str:
        """The path of this shop's webhook endpoint (prefix the site's address)."""
        from django.urls import reverse

        return reverse(
            "connectors:webhook", kwargs={"shop_slug": self.shop.slug, "token": self.hook_token}
        )
