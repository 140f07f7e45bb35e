"""Data of the shop connectors: shop connections and the webhook inbox."""

from stammkunde.connectors.models.backfill import BackfillRun as BackfillRun
from stammkunde.connectors.models.connections import ShopConnection
from stammkunde.connectors.models.inbox import DeliveryState, WebhookDelivery
from stammkunde.connectors.models.uploads import CsvUpload, UploadState

__all__ = ["CsvUpload", "DeliveryState", "ShopConnection", "UploadState", "WebhookDelivery"]
