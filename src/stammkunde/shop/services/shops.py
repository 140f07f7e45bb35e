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


def customers_of_shop(shop: Shop) -> tuple[list[int], set[int]]:
    """The customers a shop knows (an account or an order there), and of those the ones who
    also have an account or an order in another shop (a shop's redact request must not erase
    them, only what ties them to this shop)."""
    from stammkunde.shop.models import Order, ShopAccount

    ids = set(ShopAccount.objects.filter(shop=shop).values_list("customer_id", flat=True))
    ids |= set(
        Order.objects.filter(shop=shop)
        .exclude(customer_id=None)
        .values_list("customer_id", flat=True)
    )
    elsewhere = set(
        ShopAccount.objects.filter(customer_id__in=ids)
        .exclude(shop=shop)
        .values_list("customer_id", flat=True)
    ) | set(
        Order.objects.filter(customer_id__in=ids)
        .exclude(shop=shop)
        .values_list("customer_id", flat=True)
    )
    return sorted(ids), elsewhere


@transaction.atomic
def forget_shop_accounts(shop: Shop, customer_ids: list[int] | set[int]) -> int:
    """Delete these customers' accounts in ``shop`` (its privacy request for a customer who also
    buys elsewhere); returns how many went."""
    from stammkunde.shop.models import ShopAccount

    deleted, _ = ShopAccount.objects.filter(shop=shop, customer_id__in=customer_ids).delete()
    return deleted
