"""Which customers a staff member may see: the hook behind "staff limited to shops".

The rule itself lives in the app that knows shops (``shop/visibility.py``: a customer belongs to
a shop when they have an account or an order there); it registers here when Django starts, so
the queries of lower apps (customers, timeline) can apply it without importing the shop app.
A scope is called with the acting user and the path from the queried model to the customer's
id (``"pk"`` on customers, ``"customer_id"`` on timeline entries or cases) and returns a filter,
or None when it does not limit that user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.db.models import Q, QuerySet

CustomerScope = Callable[[Any, str], Q | None]

_scopes: list[CustomerScope] = []


def register_customer_scope(scope: CustomerScope) -> None:
    """Add a rule that limits which customers a user sees (idempotent per function)."""
    if scope not in _scopes:
        _scopes.append(scope)


def customer_scope(by: Any, *, field: str = "pk") -> Q | None:
    """The filter on the customer id at ``field`` that every registered rule asks for ``by``,
    or None when no rule limits them."""
    combined: Q | None = None
    for scope in _scopes:
        rule = scope(by, field)
        if rule is not None:
            combined = rule if combined is None else combined & rule
    return combined


def in_customer_scope(queryset: QuerySet, by: Any, *, field: str = "pk") -> QuerySet:
    """``queryset`` without the rows whose customer ``by`` may not see."""
    rule = customer_scope(by, field=field)
    return queryset if rule is None else queryset.filter(rule)


# What acts on the whole person rather than on what one shop holds of them (merging two
# customers: every shop's orders, accounts and cases move): a user limited to shops may do it
# only for customers of none but their shops. Same signature as a customer scope.
_whole_scopes: list[CustomerScope] = []


def register_whole_customer_scope(scope: CustomerScope) -> None:
    """Add a rule that limits which customers a user may act on as a whole (idempotent)."""
    if scope not in _whole_scopes:
        _whole_scopes.append(scope)


def whole_customer_scope(by: Any, *, field: str = "pk") -> Q | None:
    """The filter on the customer id at ``field`` for the customers ``by`` may act on as a
    whole person (merge), or None when no rule limits them."""
    combined: Q | None = None
    for scope in _whole_scopes:
        rule = scope(by, field)
        if rule is not None:
            combined = rule if combined is None else combined & rule
    return combined


# The shops a user is limited to, for rows that belong to a shop rather than to a customer
# (a customer's timeline entries about an order: ``timeline/visibility.py``).
ShopLimit = Callable[[Any], Collection[int] | None]

_shop_limits: list[ShopLimit] = []


def register_shop_limit(limit: ShopLimit) -> None:
    """Add a rule that names the shops a user is limited to (idempotent per function)."""
    if limit not in _shop_limits:
        _shop_limits.append(limit)


def shop_limit(by: Any) -> frozenset[int] | None:
    """The shops ``by`` is limited to (what every registered rule allows), or None: not
    limited to shops."""
    allowed: frozenset[int] | None = None
    for limit in _shop_limits:
        shop_ids = limit(by)
        if shop_ids is not None:
            shop_ids = frozenset(shop_ids)
            allowed = shop_ids if allowed is None else allowed & shop_ids
    return allowed


# The shops a customer belongs to (an account or an order there), for what acts on the whole
# person across shops (the GDPR export and erasure): staff limited to shops may run it only
# for customers of none but their shops.
CustomerShops = Callable[[int], Collection[int]]

_customer_shops: list[CustomerShops] = []


def register_customer_shops(rule: CustomerShops) -> None:
    """Add the rule that names a customer's shops (idempotent per function)."""
    if rule not in _customer_shops:
        _customer_shops.append(rule)


def shops_of_customer(customer_id: int) -> frozenset[int]:
    """The shops customer ``customer_id`` belongs to, by every registered rule."""
    found: set[int] = set()
    for rule in _customer_shops:
        found |= set(rule(customer_id))
    return frozenset(found)


# Rows that name what they are about by type and id (the audit log's ``object_type`` and
# ``object_id``): the timeline's rules (``timeline/visibility.py``) know which such subjects
# belong to other shops only, and register here a filter for the audit log, which sits below.
RowsOfShops = Callable[[QuerySet, frozenset[int]], QuerySet]

_audit_filters: list[RowsOfShops] = []


def register_audit_shop_filter(keep: RowsOfShops) -> None:
    """Add a filter that leaves out audit rows about other shops' matters (idempotent)."""
    if keep not in _audit_filters:
        _audit_filters.append(keep)


def audit_rows_in_shop_scope(entries: QuerySet, by: Any) -> QuerySet:
    """``entries`` (audit rows) without those about matters of other shops than the ones
    ``by`` is limited to (an order, a case of another shop); unlimited: all of them."""
    shop_ids = shop_limit(by)
    if shop_ids is None:
        return entries
    for keep in _audit_filters:
        entries = keep(entries, shop_ids)
    return entries


def withhold_other_shops_staff(rows: list[Any], shop_ids: frozenset[int] | None) -> list[Any]:
    """``rows`` (audit rows, timeline entries: ``actor_id``, ``actor``, ``actor_label``) as a
    view limited to ``shop_ids`` may show them: a row caused by a staff member limited to
    other shops only names no one ("a colleague of another shop"), as another shop's staff
    are that shop's business. Colleagues sharing a shop with the view, unlimited staff,
    integrations and the system keep their names. The rows are changed in memory only (never
    saved); one or two queries per other actor, none without a limit."""
    from django.utils.translation import gettext

    if shop_ids is None:
        return rows
    limits: dict[int, frozenset[int] | None] = {}
    for row in rows:
        if row.actor_id is None:
            continue
        if row.actor_id not in limits:
            limits[row.actor_id] = shop_limit(row.actor)
        theirs = limits[row.actor_id]
        if theirs is not None and not theirs & shop_ids:
            row.actor_label = gettext("a colleague of another shop")
    return rows
