"""Platform adapters: verify, identify and map webhook deliveries (pure, no database)."""

from stammkunde.connectors.platforms.base import (
    DeliveryInfo,
    PayloadError,
    PlatformAdapter,
    adapter_for,
)

__all__ = ["DeliveryInfo", "PayloadError", "PlatformAdapter", "adapter_for"]
