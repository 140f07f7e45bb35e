"""Which staff may be told about a customer's case by mail: only those who may see the
customer (staff limited to shops, ``core/scoping.py``), so a staff mail never names or links
what its reader's pages would refuse; and which of a shared customer's cases are another
shop's matter (about its orders only), hidden from staff limited to other shops."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from stammkunde.core.scoping import customer_scope
from stammkunde.customers.models import Customer
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Case, GoodwillGrant
from stammkunde.timeline.visibility import register_subject_shops


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


def case_of_other_shops(shop_ids: Collection[int], *, field: str = "pk") -> Q:
    """A filter on Case (or, with ``field`` the path to a case id, on rows of a case): the case
    is about orders, none of them of ``shop_ids``. A case about no order is about the person
    and stays with everyone who may see the customer."""
    links = Case.orders.through.objects.filter(case_id=OuterRef(field))
    return Q(Exists(links)) & ~Q(Exists(links.filter(order__shop_id__in=list(shop_ids))))


def cases_of_shops(cases: QuerySet[Case], shop_ids: Collection[int] | None) -> QuerySet[Case]:
    """``cases`` without those about other shops' orders only; ``None`` means no limit."""
    return cases if shop_ids is None else cases.exclude(case_of_other_shops(shop_ids))


def _case_entry_rule(shop_ids: frozenset[int]) -> Q:
    return Q(Exists(Case.objects.filter(case_of_other_shops(shop_ids), pk=OuterRef("subject_id"))))


def _goodwill_entry_rule(shop_ids: frozenset[int]) -> Q:
    of_order = Q(order__isnull=False) & ~Q(order__shop_id__in=shop_ids)
    of_case = Q(order__isnull=True) & case_of_other_shops(shop_ids, field="case_id")
    grants = GoodwillGrant.objects.filter(of_order | of_case, pk=OuterRef("subject_id"))
    return Q(Exists(grants))


def _case_message_entry_rule(shop_ids: frozenset[int]) -> Q:
    # A case's reply goes out as a message whose source is the case (its id as text).
    cases = Case.objects.filter(case_of_other_shops(shop_ids)).annotate(
        id_text=Cast("pk", CharField(max_length=64))
    )
    replies = OutboundMessage.objects.filter(
        Exists(cases.filter(customer_id=OuterRef("customer_id"), id_text=OuterRef("source_id"))),
        pk=OuterRef("subject_id"),
        source_type="case",
    )
    return Q(Exists(replies))


def register_timeline_rules() -> None:
    """Tell the timeline which entries are about a shop's matter (``timeline/visibility.py``):
    a case about other shops' orders, its goodwill and its replies stay out of the timeline of
    a customer shared with staff limited to other shops."""
    register_subject_shops(Case._meta.label_lower, _case_entry_rule)
    register_subject_shops(GoodwillGrant._meta.label_lower, _goodwill_entry_rule)
    register_subject_shops(OutboundMessage._meta.label_lower, _case_message_entry_rule)
