"""Which customers a staff member may see: the hook behind "staff limited to shops".

The rule itself lives in the app that knows shops (``shop/visibility.py``: a customer belongs to
a shop when they have an account or an order there); it registers here when Django starts, so
the queries of lower apps (customers, timeline) can apply it without importing the shop app.
A scope is called with the acting user and the path from the queried model to the customer's
id (``"pk"`` on customers, ``"customer_id"`` on timeline entries or cases) and returns a filter,
or None when it does not limit that user.
"""

from __future__ import annotations

from collections.abc import Callable
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
