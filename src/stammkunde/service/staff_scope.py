"""Which staff may be told about a customer's case by mail: only those who may see the
customer (staff limited to shops, ``core/scoping.py``), so a staff mail never names or links
what its reader's pages would refuse."""

from __future__ import annotations

from typing import Any

from stammkunde.core.scoping import customer_scope
from stammkunde.customers.models import Customer


def who_may_see(people: list[Any], customer_id: int | None) -> list[Any]:
    """``people`` without those whose shop limit hides customer ``customer_id`` (one query
    per limited person; unlimited people and cases without a customer pass as they are)."""
    if customer_id is None:
        return list(people)
    kept = []
    for person in people:
        rule = customer_scope(person)
        if rule is None or Customer.objects.filter(rule, pk=customer_id).exists():
            kept.append(person)
    return kept
