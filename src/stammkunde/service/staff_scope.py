"""Which cases (and what hangs on them: messages, goodwill, mail, files) staff limited to
shops see, and which staff may be told about a customer's case by mail.

A case of shop X, the desk's own notion: a case is about the shops of the orders it is about
and the shop its team serves (``Team.shop``: the desk of one shop, where the mail for that
shop lands); a case with neither is about the person and belongs to every shop the customer
has an account or an order in. Staff limited to shops see a case when they may see its
customer (``core/scoping.py``) and it is not about other shops only; any other case, and
whatever hangs on it, is answered as if it did not exist (404 and a REFUSE row). The same rule
hides such cases' entries from a shared customer's timeline and audit trail
(``timeline/visibility.py``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from stammkunde.core.scoping import customer_scope, in_customer_scope
from stammkunde.customers.models import Customer
from stammkunde.customers.queries import may_see_customer
from stammkunde.messaging.models import OutboundMessage
from stammkunde.service.models import Attachment, Case, CaseMessage, GoodwillGrant, InboundMail
from stammkunde.shop.models import Voucher
from stammkunde.shop.visibility import record_refused, staff_shop_ids
from stammkunde.timeline.visibility import register_subject_shops


def who_may_see(
    people: list[Any], customer_id: int | None, *, case_id: int | None = None
) -> list[Any]:
    """``people`` without those whose shop limit hides customer ``customer_id`` or case
    ``case_id`` (about other shops only); unlimited people and cases without a customer pass
    as they are. One query or two per limited person."""
    if customer_id is None:
        return list(people)
    kept = []
    for person in people:
        rule = customer_scope(person)
        if rule is not None and not Customer.objects.filter(rule, pk=customer_id).exists():
            continue
        shop_ids = staff_shop_ids(person)
        of_others = shop_ids is not None and case_id is not None
        if of_others and Case.objects.filter(case_of_other_shops(shop_ids), pk=case_id).exists():
            continue
        kept.append(person)
    return kept


def case_of_other_shops(shop_ids: Collection[int], *, field: str = "pk") -> Q:
    """A filter on Case (or, with ``field`` the path to a case id, on rows of a case): the case
    is about shops (its orders' shops, its team's shop), none of them ``shop_ids``. A case
    about no order, in no shop's team, is about the person and stays with everyone who may see
    the customer."""
    shop_ids = list(shop_ids)
    links = Case.orders.through.objects.filter(case_id=OuterRef(field))
    in_shop_team = Case.objects.filter(pk=OuterRef(field), team__shop__isnull=False)
    about_shops = Q(Exists(links)) | Q(Exists(in_shop_team))
    about_ours = Q(Exists(links.filter(order__shop_id__in=shop_ids))) | Q(
        Exists(in_shop_team.filter(team__shop_id__in=shop_ids))
    )
    return about_shops & ~about_ours


def cases_of_shops(cases: QuerySet[Case], shop_ids: Collection[int] | None) -> QuerySet[Case]:
    """``cases`` without those about other shops only; ``None`` means no limit."""
    return cases if shop_ids is None else cases.exclude(case_of_other_shops(shop_ids))


def visible_cases(
    rows: QuerySet[Any], by: Any, *, case: str = "pk", customer: str = "customer_id"
) -> QuerySet[Any]:
    """``rows`` (cases, or rows of a case with ``case`` the path to its id and ``customer`` to
    its customer's id) without those of cases ``by`` may not see: of a customer outside their
    shops, or about other shops only. Rows of no case pass on their customer alone."""
    rows = in_customer_scope(rows, by, field=customer)
    shop_ids = staff_shop_ids(by)
    return rows if shop_ids is None else rows.exclude(case_of_other_shops(shop_ids, field=case))


def may_see_case(case: Case, *, by: Any, detail: str) -> bool:
    """Whether ``by`` may see ``case`` (its customer and its shops, ``visible_cases``). A
    refusal is answered as "no such case" by the caller and leaves a REFUSE row, so a probe of
    other shops' cases is on record."""
    if not may_see_customer(case.customer_id, by=by, detail=detail):
        return False
    shop_ids = staff_shop_ids(by)
    if (
        shop_ids is None
        or not Case.objects.filter(case_of_other_shops(shop_ids), pk=case.pk).exists()
    ):
        return True
    record_refused(
        by=by,
        object_type="service.case",
        object_id=case.pk,
        detail=f"outside the staff member's shops: {detail}"[:200],
    )
    return False


def goodwill_of_other_shops(shop_ids: Collection[int]) -> Q:
    """A filter on GoodwillGrant: about another shop's order, or (about no order) in a case
    about other shops only."""
    shop_ids = list(shop_ids)
    of_order = Q(order__isnull=False) & ~Q(order__shop_id__in=shop_ids)
    of_case = Q(order__isnull=True) & case_of_other_shops(shop_ids, field="case_id")
    return of_order | of_case


def visible_goodwill(grants: QuerySet[GoodwillGrant], by: Any) -> QuerySet[GoodwillGrant]:
    """``grants`` without those ``by`` may not see: for a customer outside their shops, or
    about other shops' matters only (``goodwill_of_other_shops``)."""
    grants = in_customer_scope(grants, by, field="customer_id")
    shop_ids = staff_shop_ids(by)
    return grants if shop_ids is None else grants.exclude(goodwill_of_other_shops(shop_ids))


def mail_of_other_shops(shop_ids: Collection[int]) -> Q:
    """A filter on InboundMail: not filed in a case staff limited to ``shop_ids`` may see as
    far as shops go (one about their shops or about the person). The installation has one
    mailbox for every shop, so a mail filed in no case (parked, an automatic reply, a bounce,
    one still unfiled) may be about any shop and is no limited staff member's to see."""
    ours = CaseMessage.objects.filter(inbound_mail_id=OuterRef("pk")).exclude(
        case_of_other_shops(shop_ids, field="case_id")
    )
    return ~Q(Exists(ours))


def visible_mails(mails: QuerySet[InboundMail], by: Any) -> QuerySet[InboundMail]:
    """``mails`` without those ``by`` may not see: staff limited to shops (or by any customer
    scope) see a mail only when it is filed in a case they may see (``visible_cases``: its
    customer theirs, the case not about other shops only); unlimited staff see every mail."""
    if customer_scope(by) is None and staff_shop_ids(by) is None:
        return mails
    filed = visible_cases(
        CaseMessage.objects.filter(inbound_mail_id=OuterRef("pk")),
        by,
        case="case_id",
        customer="case__customer_id",
    )
    return mails.filter(Exists(filed))


def _case_entry_rule(shop_ids: frozenset[int]) -> Q:
    return Q(Exists(Case.objects.filter(case_of_other_shops(shop_ids), pk=OuterRef("subject_id"))))


def _goodwill_entry_rule(shop_ids: frozenset[int]) -> Q:
    grants = GoodwillGrant.objects.filter(
        goodwill_of_other_shops(shop_ids), pk=OuterRef("subject_id")
    )
    return Q(Exists(grants))


def _voucher_entry_rule(shop_ids: frozenset[int]) -> Q:
    # A goodwill voucher is the goodwill's matter: its order's shop, else its case's.
    grants = GoodwillGrant.objects.filter(
        goodwill_of_other_shops(shop_ids), voucher_id=OuterRef("subject_id")
    )
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


def _mail_entry_rule(shop_ids: frozenset[int]) -> Q:
    mails = InboundMail.objects.filter(mail_of_other_shops(shop_ids), pk=OuterRef("subject_id"))
    return Q(Exists(mails))


def _attachment_entry_rule(shop_ids: frozenset[int]) -> Q:
    mails = InboundMail.objects.filter(
        mail_of_other_shops(shop_ids), pk=OuterRef("inbound_mail_id")
    )
    files = Attachment.objects.filter(Exists(mails), pk=OuterRef("subject_id"))
    return Q(Exists(files))


def register_timeline_rules() -> None:
    """Tell the timeline which entries are about a shop's matter (``timeline/visibility.py``):
    a case about other shops only, its goodwill and its replies stay out of the timeline (and
    audit trail, with the mail and files filed in it) of a customer shared with staff limited
    to other shops."""
    register_subject_shops(Case._meta.label_lower, _case_entry_rule)
    register_subject_shops(GoodwillGrant._meta.label_lower, _goodwill_entry_rule)
    register_subject_shops(OutboundMessage._meta.label_lower, _case_message_entry_rule)
    # The voucher of a goodwill gesture (the shop's voucher export, the audit log).
    register_subject_shops(Voucher._meta.label_lower, _voucher_entry_rule)
    # Never timeline subjects, but the audit log names them (``audit_entries_of_shops``).
    register_subject_shops(InboundMail._meta.label_lower, _mail_entry_rule)
    register_subject_shops(Attachment._meta.label_lower, _attachment_entry_rule)
