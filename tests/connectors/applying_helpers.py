"""Shared by the apply tests: a shop of a platform, and a fixture payload applied to it.

(No tests here.)
"""

from __future__ import annotations

from pathlib import Path

from stammkunde.connectors.applying import apply_events
from stammkunde.connectors.platforms import adapter_for
from stammkunde.shop.models import Shop

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def make_shop(platform: str, slug: str = "") -> Shop:
    return Shop.objects.create(name=f"{platform} shop", slug=slug or platform, platform=platform)


def deliver(shop: Shop, name: str, topic: str, change=None):
    adapter = adapter_for(shop.platform)
    payload = adapter.parse((FIXTURES / name).read_bytes())
    if change:
        change(payload)
    return apply_events(shop, adapter.map(topic, payload))
