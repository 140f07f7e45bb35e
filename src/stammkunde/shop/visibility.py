"""Which customers and orders a shop's view covers: a token bound to a shop, or staff limited
to some shops, see only these; anything else is answered as if it did not exist.

A customer belongs to a shop when it has an account (the shop's customer id) or an order there.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.models import Customer
from stammkunde.logins.backends import preloaded
from stammkunde.shop.models import (
    Order,
    Refund,
    Return,
    Shipment,
    ShopAccount,
    StaffShopLimit,
    Voucher,
    Withdrawal,
)
from stammkunde.timeline.visibility import OtherShopsRule, register_subject_shops


def customers_of_shops(shop_ids: Collection[int], *, field: str = "pk") -> Q:
    """A filter on Customer (or, with ``field`` the path to a customer id such as
    ``"customer_id"``, on rows of a customer): an account or an order in one of ``shop_ids``."""
    shop_ids = list(shop_ids)
    return Q(
        Exists(ShopAccount.objects.filter(customer_id=OuterRef(field), shop_id__in=shop_ids))
    ) | Q(Exists(Order.objects.filter(customer_id=OuterRef(field), shop_id__in=shop_ids)))


# The limit is read once per request: the user object of a request lives as long as it.
_CACHE_ATTRIBUTE = "_stammkunde_shop_ids"


def staff_shop_ids(by: Any) -> frozenset[int] | None:
    """The shops a staff user is limited to (``StaffShopLimit``), or None: not limited (no
    limit set, a superuser, an API actor or the system, whose own rules apply elsewhere)."""
    if not isinstance(by, AbstractBaseUser) or not by.is_authenticated:
        return None
    if getattr(by, "is_superuser", False):
        return None
    if not hasattr(by, _CACHE_ATTRIBUTE):
        # A request's user comes with the id of their limit (0: none), read in the query that
        # loaded it (logins/backends.py); other user objects ask here.
        limit_id = preloaded(by, LIMIT_ATTRIBUTE)
        if limit_id is None:
            limit_id = (
                StaffShopLimit.objects.filter(user_id=by.pk).values_list("pk", flat=True).first()
            )
        shop_ids = None
        if limit_id:
            chosen = StaffShopLimit.shops.through.objects.filter(staffshoplimit_id=limit_id)
            shop_ids = frozenset(chosen.values_list("shop_id", flat=True))
        setattr(by, _CACHE_ATTRIBUTE, shop_ids)
    return getattr(by, _CACHE_ATTRIBUTE)


# Loaded with every request's user (registered in ShopConfig.ready()): the id of the user's
# StaffShopLimit, 0 when there is none.
LIMIT_ATTRIBUTE = "_stammkunde_shop_limit_id"


def shop_limit_id_of_user() -> Coalesce:
    """The subquery behind LIMIT_ATTRIBUTE, for ``logins.backends.register_user_annotation``."""
    limit = StaffShopLimit.objects.filter(user_id=OuterRef("pk")).values("pk")[:1]
    return Coalesce(Subquery(limit), Value(0))


def forget_cached_shop_ids(user: Any) -> None:
    """Drop the limit read into ``user`` (after it changed), the one loaded with it too."""
    user.__dict__.pop(_CACHE_ATTRIBUTE, None)
    user.__dict__.pop(LIMIT_ATTRIBUTE, None)


def staff_customer_scope(by: Any, field: str) -> Q | None:
    """The customer scope of a staff member limited to shops (registered in
    ``core/scoping.py`` when the shop app starts)."""
    shop_ids = staff_shop_ids(by)
    return None if shop_ids is None else customers_of_shops(shop_ids, field=field)


def customers_only_of_shops(shop_ids: Collection[int], *, field: str = "pk") -> Q:
    """A filter on Customer (or rows of one, ``field`` the path to its id): of ``shop_ids``
    (``customers_of_shops``) and of no other shop (no account, no order elsewhere)."""
    shop_ids = list(shop_ids)
    accounts = ShopAccount.objects.filter(customer_id=OuterRef(field)).exclude(shop_id__in=shop_ids)
    orders = Order.objects.filter(customer_id=OuterRef(field)).exclude(shop_id__in=shop_ids)
    return customers_of_shops(shop_ids, field=field) & ~Q(Exists(accounts)) & ~Q(Exists(orders))


def staff_whole_customer_scope(by: Any, field: str) -> Q | None:
    """The customers a staff member limited to shops may act on as a whole person (merge):
    those of none but their shops (registered in ``core/scoping.py`` when the shop app
    starts). A customer shared with another shop is that shop's too."""
    shop_ids = staff_shop_ids(by)
    return None if shop_ids is None else customers_only_of_shops(shop_ids, field=field)


def limit_customers(
    customers: QuerySet[Customer], shop_ids: Collection[int] | None
) -> QuerySet[Customer]:
    """``customers`` of ``shop_ids`` only; ``None`` means no limit."""
    if shop_ids is None:
        return customers
    return customers.filter(customers_of_shops(shop_ids))


def limit_orders(orders: QuerySet[Order], shop_ids: Collection[int] | None) -> QuerySet[Order]:
    """``orders`` of ``shop_ids`` only; ``None`` means no limit."""
    if shop_ids is None:
        return orders
    return orders.filter(shop_id__in=shop_ids)


def customer_in_shops(customer_id: int, shop_ids: Collection[int] | None) -> bool:
    """Whether the customer belongs to one of ``shop_ids`` (always, without a limit)."""
    if shop_ids is None:
        return True
    return limit_customers(Customer.objects.filter(pk=customer_id), shop_ids).exists()


def visible_customer_ids(
    customer_ids: Collection[int], shop_ids: Collection[int] | None
) -> set[int]:
    """Those of ``customer_ids`` that belong to one of ``shop_ids``."""
    if shop_ids is None:
        return set(customer_ids)
    return set(
        limit_customers(Customer.objects.filter(pk__in=list(customer_ids)), shop_ids).values_list(
            "pk", flat=True
        )
    )


def record_refused(*, by: Any, object_type: str, object_id: int | str, detail: str = "") -> None:
    """Note in the audit log that ``by`` asked for something outside its shops (a probe of
    other shops' ids leaves a trace, while the answer says nothing)."""
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type=object_type,
        object_id=str(object_id)[:64],
        detail=detail,
    )


@functools.cache
def _order_of_other_shops(model: type[Model], path: str) -> OtherShopsRule:
    """The timeline rule for entries about ``model`` (an order, or a row of one at ``path``):
    the row's order is of none of the shops a view may see."""

    def rule(shop_ids: frozenset[int]) -> Q:
        rows = model._default_manager.filter(pk=OuterRef("subject_id"))
        return Q(Exists(rows.exclude(**{f"{path}__in": shop_ids})))

    return rule


def register_timeline_rules() -> None:
    """Tell the timeline which entries are about something of a shop (its orders and what
    followed them), so a view limited to other shops leaves them out of a shared customer's
    timeline (``timeline/visibility.py``)."""
    register_subject_shops(Order._meta.label_lower, _order_of_other_shops(Order, "shop_id"))
    for model in (Shipment, Return, Refund, Withdrawal):
        register_subject_shops(
            model._meta.label_lower, _order_of_other_shops(model, "order__shop_id")
        )
    register_subject_shops(Voucher._meta.label_lower, _voucher_of_other_shops)


def _voucher_of_other_shops(shop_ids: frozenset[int]) -> Q:
    """A voucher issued for a shop (``Voucher.shop``) of none of ``shop_ids``; a voucher for
    no shop is its source's matter (goodwill: ``service/staff_scope.py``)."""
    vouchers = Voucher.objects.filter(pk=OuterRef("subject_id"), shop__isnull=False)
    return Q(Exists(vouchers.exclude(shop_id__in=shop_ids)))


def shops_of_customer(customer_id: int) -> frozenset[int]:
    """The shops the customer has an account or an order in (one query)."""
    accounts = ShopAccount.objects.filter(customer_id=customer_id).values("shop_id")
    orders = Order.objects.filter(customer_id=customer_id).values("shop_id")
    return frozenset(accounts.union(orders).values_list("shop_id", flat=True))


def customer_only_in_shops(customer_id: int, shop_ids: Collection[int] | None) -> bool:
    """Whether the customer belongs to none but ``shop_ids`` (always, without a limit): what
    acts on the whole person (the GDPR export and erasure) is theirs to run only then."""
    return shop_ids is None or shops_of_customer(customer_id) <= set(shop_ids)
