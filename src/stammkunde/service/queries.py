"""Reads of the service desk's policies and knowledge for pages, jobs and the API."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.models import (
    GoodwillGrant,
    GoodwillStatus,
    KnowledgeArticle,
    ServiceStandard,
)
from stammkunde.service.search_words import spellings, stem
from stammkunde.service.staff_scope import visible_goodwill

WORD = re.compile(r"\w{3,}", re.UNICODE)
# Words too common to tell articles apart (German and English).
STOP_WORDS = frozenset(
    [
        "und",
        "oder",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "ist",
        "nicht",
        "mit",
        "für",
        "von",
        "auf",
        "ich",
        "sie",
        "wir",
        "bitte",
        "mein",
        "meine",
        "the",
        "and",
        "for",
        "with",
        "not",
        "you",
        "your",
        "was",
        "are",
        "have",
        "has",
        "this",
        "that",
    ]
)


def goodwill_totals(*, by: Any = None) -> list[dict[str, Any]]:
    """Granted goodwill per month and agent (who asked): count and total, newest month first.
    Staff limited to shops (``by``) get the totals of their shops' customers' goodwill only."""
    rows = (
        visible_goodwill(GoodwillGrant.objects.filter(status=GoodwillStatus.GRANTED), by)
        .annotate(month=TruncMonth("requested_at"))
        .values("month", "requested_by__username", "currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by("-month", "requested_by__username")
    )
    return [
        {
            "month": row["month"],
            "agent": row["requested_by__username"] or "",
            "currency": row["currency"],
            "count": row["count"],
            "total": row["total"],
        }
        for row in rows
    ]


def _shown(grants: list[GoodwillGrant], by: Any, what: str) -> list[GoodwillGrant]:
    """Record that ``by`` saw these grants (they name customers and reasons): one entry per
    page naming the customers shown."""
    if grants:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="service.goodwillgrant",
            customer_ids=[grant.customer_id for grant in grants],
            detail=what,
        )
    return grants


def pending_goodwill(*, by: Any) -> list[GoodwillGrant]:
    """The requests waiting for a team lead, oldest first (audited: they show customers); a
    lead limited to shops sees those for their shops' customers only."""
    grants = list(
        visible_goodwill(GoodwillGrant.objects.filter(status=GoodwillStatus.PENDING), by)
        .select_related("customer", "requested_by", "order")
        .order_by("requested_at")[:200]
    )
    return _shown(grants, by, "pending goodwill")


def goodwill_to_decide(grant_id: int, *, by: Any) -> GoodwillGrant | None:
    """The grant a team lead decides on, or None: no such grant, or (staff limited to shops)
    one for another shop's customer, which leaves a REFUSE row."""
    grant = GoodwillGrant.objects.filter(pk=grant_id).first()
    if grant is None:
        return None
    if visible_goodwill(GoodwillGrant.objects.filter(pk=grant.pk), by).exists():
        return grant
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type="service.goodwillgrant",
        object_id=grant.pk,
        detail="outside the staff member's shops: goodwill decision",
    )
    return None


def goodwill_requested_by(user: Any, *, limit: int = 50) -> list[GoodwillGrant]:
    """The user's own recent requests with their state (the agent sees what waits); after a
    limit to shops was set, only those for the shops' customers."""
    grants = list(
        visible_goodwill(GoodwillGrant.objects.filter(requested_by=user), user)
        .select_related("customer", "decided_by", "voucher")
        .order_by("-requested_at")[:limit]
    )
    return _shown(grants, user, "own goodwill requests")


def goodwill_of_customer(customer_id: int, *, by: Any) -> list[GoodwillGrant]:
    """The customer's goodwill, newest first (audited); staff limited to shops are not shown
    that about other shops' matters (``staff_scope.visible_goodwill``)."""
    grants = list(
        visible_goodwill(GoodwillGrant.objects.filter(customer_id=customer_id), by)
        .select_related("requested_by", "decided_by", "voucher")
        .order_by("-requested_at")
    )
    return _shown(grants, by, "goodwill of customer")


def current_standard() -> ServiceStandard | None:
    return ServiceStandard.objects.order_by("-version").first()


def standard_to_confirm(user: Any) -> ServiceStandard | None:
    """The current house rules when ``user`` works in a desk role and has not confirmed them
    yet (one query): the desk's pages remind them, or a new version goes unread."""
    from django.db.models import Exists, OuterRef

    from stammkunde.service.models import DeskRole, StandardConfirmation

    user_model = get_user_model()
    standard = (
        ServiceStandard.objects.order_by("-version")
        .annotate(
            confirmed=Exists(
                StandardConfirmation.objects.filter(standard=OuterRef("pk"), user_id=user.pk)
            ),
            in_desk=Exists(
                user_model.groups.through.objects.filter(
                    user_id=user.pk, group__name__in=DeskRole.values
                )
            ),
        )
        .only("id", "version", "title")
        .first()
    )
    if standard is None or standard.confirmed or not standard.in_desk:
        return None
    return standard


def unconfirmed_staff(standard: ServiceStandard) -> list[Any]:
    """Active staff in a desk role who have not confirmed ``standard`` yet."""
    from stammkunde.service.models import DeskRole

    user_model = get_user_model()
    return list(
        user_model.objects.filter(is_active=True, groups__name__in=DeskRole.values)
        .exclude(standard_confirmations__standard=standard)
        .distinct()
        .order_by("username")
    )


def words(text: str) -> list[str]:
    """The search words of a text: three letters or more, no stop words, lower case."""
    return [
        word
        for word in (match.lower() for match in WORD.findall(text or ""))
        if word not in STOP_WORDS
    ][:30]


def search_articles(
    text: str,
    *,
    language: str | None = None,
    public_only: bool = True,
    limit: int = 10,
    prefer_language: str | None = None,
) -> list[KnowledgeArticle]:
    """Articles matching the words of ``text``, best first (title and keywords count double);
    with ``prefer_language`` those in that language come before any other. Words are cut to
    their stems and matched in any letter case (service/search_words.py)."""
    terms = list(dict.fromkeys(stem(word) for word in words(text)))
    if not terms:
        return []
    articles = KnowledgeArticle.objects.select_related("category")
    if public_only:
        articles = articles.filter(is_public=True)
    if language:
        articles = articles.filter(language=language)
    match = Q()
    for term in terms:
        for form in spellings(term):
            match |= (
                Q(title__icontains=form) | Q(keywords__icontains=form) | Q(body__icontains=form)
            )
    scored = []
    for article in articles.filter(match)[:300]:
        head = f"{article.title} {article.keywords}".lower()
        body = article.body.lower()
        score = sum(2 * (term in head) + (term in body) for term in terms)
        other = prefer_language is not None and article.language != prefer_language
        scored.append((other, -score, article.title, article))
    scored.sort(key=lambda item: item[:3])
    return [item[-1] for item in scored[:limit]]


def affected_orders(incident: Any, *, by: Any, limit: int = 1000) -> list[Any]:
    """The incident's orders with their customers and cases (``row.cases``), so that the cases
    of one incident are followed together (audited: one entry naming the customers). Staff
    limited to shops see their shops' orders only (an incident has no shop of its own)."""
    from stammkunde.service.models import Case
    from stammkunde.service.staff_scope import visible_cases
    from stammkunde.shop.visibility import staff_shop_ids

    affected = incident.affected.all()
    shop_ids = staff_shop_ids(by)
    if shop_ids is not None:
        affected = affected.filter(order__shop_id__in=shop_ids)
    rows = list(affected.select_related("order", "customer").order_by("id")[:limit])
    by_order: dict[int, list[Any]] = {}
    cases = visible_cases(
        Case.objects.filter(orders__in=[row.order_id for row in rows]), by
    ).annotate(order_id=F("orders__id"))
    for case in cases.order_by("opened_at"):
        by_order.setdefault(case.order_id, []).append(case)
    for row in rows:
        row.cases = by_order.get(row.order_id, [])
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=incident,
        customer_ids=[row.customer_id for row in rows if row.customer_id],
    )
    return rows


def refund_clocks(*, by: Any, include_done: bool = False, limit: int = 200) -> list[Any]:
    """Refund clocks, the most urgent first (audited: they name customers via their orders);
    staff limited to shops see the clocks of their shops' orders only."""
    from stammkunde.service.models import RefundClock
    from stammkunde.shop.visibility import staff_shop_ids

    clocks = RefundClock.objects.select_related(
        "return_request__order__customer", "return_request__order__shop"
    ).order_by("due_at")
    shop_ids = staff_shop_ids(by)
    if shop_ids is not None:
        clocks = clocks.filter(return_request__order__shop_id__in=shop_ids)
    if not include_done:
        clocks = clocks.filter(refunded_at__isnull=True)
    rows = list(clocks[:limit])
    if rows:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="service.refundclock",
            customer_ids=[
                row.return_request.order.customer_id
                for row in rows
                if row.return_request.order.customer_id
            ],
        )
    return rows


def case_subject(customer_id: int, *, by: Any, limit: int = 50) -> tuple[Any, list[Any]]:
    """The customer (not merged away) and their recent orders of ``by``'s shops for the form
    that opens a case (audited read: the form shows their name and orders). Another shop's
    customer is 404 plus a REFUSE row."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from stammkunde.customers.models import Customer
    from stammkunde.customers.queries import may_see_customer
    from stammkunde.shop.visibility import limit_orders, staff_shop_ids

    customer = get_object_or_404(Customer, pk=customer_id, merged_into__isnull=True)
    if not may_see_customer(customer.pk, by=by, detail="new case"):
        raise Http404("no such customer")
    orders = list(
        limit_orders(customer.orders.all(), staff_shop_ids(by)).order_by("-placed_at")[:limit]
    )
    audit(
        actor=by, action=AuditAction.VIEW, obj=customer, customer_id=customer.pk, detail="new case"
    )
    return customer, orders


def goodwill_subject(customer_id: int, *, by: Any, limit: int = 50) -> tuple[Any, list[Any]]:
    """The customer and their recent orders for the goodwill form (audited read)."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from stammkunde.customers.models import Customer
    from stammkunde.customers.queries import may_see_customer
    from stammkunde.shop.visibility import limit_orders, staff_shop_ids

    customer = get_object_or_404(Customer, pk=customer_id)
    if not may_see_customer(customer.pk, by=by, detail="goodwill form"):
        raise Http404("no such customer")
    orders = list(
        limit_orders(customer.orders.all(), staff_shop_ids(by)).order_by("-placed_at")[:limit]
    )
    audit(
        actor=by,
        action=AuditAction.VIEW,
        obj=customer,
        customer_id=customer.pk,
        detail="goodwill form",
    )
    return customer, orders


def absences_ahead(*, by: Any, now: Any = None) -> list[Any]:
    """Absences under way or still to come, soonest first, with the substitute. Who is away
    when (and the note) is the staff's personal data: the read is audited once per page. A
    lead limited to shops sees those of their shops' teams' members (``admin_scope``)."""
    from django.utils import timezone

    from stammkunde.service.models import Absence

    now = now or timezone.now()
    from stammkunde.service.admin_scope import absences_in_scope

    absences = list(
        absences_in_scope(Absence.objects.filter(ends__gt=now), by)
        .select_related("user", "substitute")
        .order_by("starts", "pk")[:500]
    )
    if absences:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="service.absence",
            detail=f"absences ahead: {len(absences)}",
        )
    return absences


PAST_ABSENCES_PER_PAGE = 20


def past_absences(*, by: Any, page: int = 1, now: Any = None) -> tuple[list[Any], bool]:
    """Absences that ended, the latest first, one page of them and whether an older page
    follows. Audited like the absences ahead (staff's personal data)."""
    from django.utils import timezone

    from stammkunde.service.models import Absence

    now = now or timezone.now()
    page = max(page, 1)
    start = (page - 1) * PAST_ABSENCES_PER_PAGE
    from stammkunde.service.admin_scope import absences_in_scope

    rows = list(
        absences_in_scope(Absence.objects.filter(ends__lte=now), by)
        .select_related("user", "substitute")
        .order_by("-ends", "-pk")[start : start + PAST_ABSENCES_PER_PAGE + 1]
    )
    has_next = len(rows) > PAST_ABSENCES_PER_PAGE
    rows = rows[:PAST_ABSENCES_PER_PAGE]
    if rows:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            object_type="service.absence",
            detail=f"past absences, page {page}: {len(rows)}",
        )
    return rows, has_next
