"""Data of the shop connectors: shop connections and the webhook inbox."""

from stammkunde.connectors.models.backfill import BackfillRun as BackfillRun
from stammkunde.connectors.models.connections import ShopConnection
from stammkunde.connectors.models.inbox import DeliveryState, WebhookDelivery

__all__ = ["DeliveryState", "ShopConnection", "WebhookDelivery"]
