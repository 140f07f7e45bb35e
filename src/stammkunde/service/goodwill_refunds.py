"""Which granted partial refunds are the same money as a refund the shop reported.

A partial refund granted as goodwill is a shop refund keyed ``goodwill:<grant>``; when the shop
reports that money too, before the grant (the agent paid it back in the shop first) or after
it (the payment provider's report), the one refund row carries both keys
(``shop.services.refunds.record_refund``). The agent should see which it was: money the shop
had already paid back is not paid a second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from stammkunde.service.models import GoodwillGrant, GoodwillKind, GoodwillStatus
from stammkunde.shop.models import Refund
from stammkunde.shop.services.refunds import GOODWILL_REFUND_PREFIX


@dataclass(frozen=True)
class ShopRefundLink:
    """The shop's refund a goodwill grant is linked to."""

    refunded_at: datetime
    platform_id: str
    # True: the shop had paid it back before the grant (the grant took that refund over);
    # False: the shop reported our refund afterwards.
    shop_first: bool


def shop_refund_links(grants: Iterable[GoodwillGrant]) -> dict[int, ShopRefundLink]:
    """For each granted partial refund among ``grants`` that is linked to a shop refund: the
    link, by grant id (one query; grants without a link are left out)."""
    keyed = {
        f"{GOODWILL_REFUND_PREFIX}{grant.pk}": grant
        for grant in grants
        if grant.kind == GoodwillKind.REFUND and grant.status == GoodwillStatus.GRANTED
    }
    if not keyed:
        return {}
    links: dict[int, ShopRefundLink] = {}
    rows = (
        Refund.objects.filter(external_id__in=list(keyed))
        .exclude(platform_external_id="")
        .values_list("external_id", "platform_external_id", "refunded_at")
    )
    for key, platform_id, refunded_at in rows:
        grant = keyed[key]
        granted_at = grant.decided_at or grant.requested_at
        links[grant.pk] = ShopRefundLink(
            refunded_at=refunded_at, platform_id=platform_id, shop_first=refunded_at < granted_at
        )
    return links
