"""Staff limited to shops: set or lift the limit of one staff member (issue 12)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.shop.models import Shop, StaffShopLimit
from stammkunde.shop.visibility import forget_cached_shop_ids


@transaction.atomic
def limit_staff_to_shops(
    user: Any, shop_ids: Collection[int] | None, *, by: Any
) -> StaffShopLimit | None:
    """Let ``user`` see only the customers and orders of ``shop_ids``; None lifts the limit
    (every shop). An empty collection leaves them no customer at all. Audited with the shops'
    ids in the detail (no personal data). Returns the limit (None when lifted)."""
    forget_cached_shop_ids(user)
    if shop_ids is None:
        deleted, _rows = StaffShopLimit.objects.filter(user=user).delete()
        if deleted:
            audit(
                actor=by,
                action=AuditAction.DELETE,
                object_type="shop.staffshoplimit",
                object_id=user.pk,
                detail="staff shop limit lifted",
            )
        return None
    shops = list(Shop.objects.filter(pk__in=list(shop_ids)).order_by("pk"))
    limit, created = StaffShopLimit.objects.get_or_create(user=user)
    limit.shops.set(shops)
    limit.save(update_fields=["changed_at"])
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=limit,
        fields=["shops"],
        detail="staff limited to shops " + ",".join(str(shop.pk) for shop in shops),
    )
    return limit
