"""Shops (sales channels): adding one, and the shop a CSV import fills by default."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from stammkunde.shop.models import Platform, Shop


def unique_slug(name: str) -> str:
    """A free short name for the shop's URL, derived from its name."""
    base = slugify(name)[:40] or "shop"
    slug, number = base, 2
    while Shop.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def create_shop(*, name: str, platform: str, currency: str, time_zone: str, slug: str = "") -> Shop:
    """Add a shop under the short name ``slug``, or a free one derived from its (non-empty)
    name."""
    return Shop.objects.create(
        name=name[:100],
        slug=slug or unique_slug(name),
        platform=platform,
        currency=currency,
        time_zone=time_zone,
    )


def shop_for_imports(name: str) -> Shop:
    """The CSV shop called ``name``, created on first use (the default target of imports)."""
    shop, _created = Shop.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "platform": Platform.CSV}
    )
    return shop
