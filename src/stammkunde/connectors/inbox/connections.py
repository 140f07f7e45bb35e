"""Writes of shop setup: add a shop with its webhook connection, change its credentials."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.connectors.models import ShopConnection
from stammkunde.connectors.models.connections import new_hook_token, new_webhook_secret
from stammkunde.shop.models import Platform
from stammkunde.shop.services import create_shop

# Platforms whose shops send webhooks (CSV and demo shops are filled by other means).
WEBHOOK_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE, Platform.SHOPWARE6, Platform.GENERIC)


class ShopSetupError(ValueError):
    """A shop setup that cannot be saved; the message is shown to the integrator."""


@transaction.atomic
def connect_shop(
    *,
    by: Any,
    name: str,
    platform: str,
    webhook_secret: str = "",
    api_base_url: str = "",
    api_key: str = "",
    api_secret: str = "",
    currency: str = "EUR",
    time_zone: str = "Europe/Berlin",
) -> ShopConnection:
    """Add a shop that sends webhooks; an empty ``webhook_secret`` gets a random one."""
    if platform not in WEBHOOK_PLATFORMS:
        raise ShopSetupError(_("Shops of this platform do not send webhooks."))
    name = name.strip()
    if not name:
        raise ShopSetupError(_("The shop needs a name."))
    shop = create_shop(name=name, platform=platform, currency=currency, time_zone=time_zone)
    connection = ShopConnection.objects.create(
        shop=shop,
        webhook_secret=webhook_secret.strip() or new_webhook_secret(),
        api_base_url=api_base_url.strip(),
        api_key=api_key.strip(),
        api_secret=api_secret.strip(),
    )
    # Field names only: the audit log never holds the secrets themselves.
    audit(actor=by, action=AuditAction.CREATE, obj=connection, fields=["shop", "webhook_secret"])
    return connection


@transaction.atomic
def update_connection(
    connection: ShopConnection,
    *,
    by: Any,
    webhook_secret: str | None = None,
    api_base_url: str | None = None,
    api_key: str | None = None,
    api_secret: str | None = None,
    new_url: bool = False,
) -> ShopConnection:
    """Change a shop's secrets or API credentials (None leaves a field as it is).

    ``new_url`` replaces the webhook URL's token, e.g. after it leaked; the shop must then be
    given the new URL.
    """
    changes = {
        "webhook_secret": webhook_secret,
        "api_base_url": api_base_url,
        "api_key": api_key,
        "api_secret": api_secret,
    }
    changed = [field for field, value in changes.items() if value is not None]
    for field in changed:
        setattr(connection, field, changes[field].strip())
    if not connection.webhook_secret:
        connection.webhook_secret = new_webhook_secret()
    if new_url:
        connection.hook_token = new_hook_token()
        changed.append("hook_token")
    if changed:
        connection.save(update_fields=sorted(set(changed) | {"webhook_secret"}))
        audit(actor=by, action=AuditAction.CHANGE, obj=connection, fields=changed)
    return connection
