"""The service desk's part of a GDPR export and erasure: a customer's cases and their threads,
together with what the desk's policies hold (``desk_gdpr``: goodwill, web form, incidents) and
the mail intake (``intake.gdpr``: inbound mails, originals, files), since the registry takes
one handler per app.

An open case defers an erasure (the customer's matter is still being worked on); once it is
done, internal notes go at once, and the correspondence with the customer (business letters,
``service.letters``: six years from the end of the calendar year) is kept with its case and
the mail's original, processing restricted, until its own period ends; the daily privacy job
erases it then (the duty ``service``/``letters``). A case with no letter left goes whole. The
audit trail of who read or changed the cases stays with ``audit``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from stammkunde.core.gdpr import (
    ACCOUNTING_VOUCHERS,
    BUSINESS_LETTERS,
    ErasureCheck,
    ErasureRequest,
    Obstacle,
    RetentionDuty,
)
from stammkunde.messaging.gdpr import erase_shop_messages
from stammkunde.service import desk_gdpr, letters
from stammkunde.service.intake import gdpr as intake_gdpr
from stammkunde.service.models import (
    ACTIVE_STATUSES,
    Case,
    CaseMessage,
    GoodwillGrant,
    WebFormSubmission,
)


def _instant(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_cases(customer_id: int) -> dict[str, Any]:
    """Every case of the customer with its messages (internal notes included: Art. 15 covers
    what we wrote about them)."""
    cases = (
        Case.objects.filter(customer_id=customer_id)
        .prefetch_related("orders", "messages")
        .order_by("opened_at", "id")
    )
    return {
        "cases": [
            {
                "reference": case.reference,
                "type": case.case_type,
                "status": case.status,
                "channel": case.channel,
                "subject": case.subject,
                "opened_at": _instant(case.opened_at),
                "first_response_at": _instant(case.first_response_at),
                "solved_at": _instant(case.solved_at),
                "escalation_reason": case.escalation_reason,
                "orders": [order.number for order in case.orders.all()],
                "messages": [
                    {
                        "direction": message.direction,
                        "from": message.from_address,
                        "to": message.to_address,
                        "subject": message.subject,
                        "text": message.body_text,
                        "written_at": _instant(message.created_at),
                    }
                    for message in case.messages.all()
                ],
            }
            for case in cases
        ]
    }


def cases_of(customer_id: int, shop_id: int | None = None) -> QuerySet[Case]:
    """The customer's cases; with ``shop_id``, that shop's cases: those about its orders only,
    and those about no order in a team of that shop (``Team.shop``). A case about orders of
    other shops too (mixed) is kept as it is but for its links to the shop's orders
    (``mixed_cases_of``); a case about no order in no shop's team is the person's."""
    cases = Case.objects.filter(customer_id=customer_id)
    if shop_id is None:
        return cases
    links = Case.orders.through.objects
    about_orders = Q(pk__in=links.filter(order__shop_id=shop_id).values("case_id")) & ~Q(
        pk__in=links.exclude(order__shop_id=shop_id).values("case_id")
    )
    in_shop_team = Q(team__shop_id=shop_id) & ~Q(pk__in=links.values("case_id"))
    return cases.filter(about_orders | in_shop_team)


def mixed_cases_of(customer_id: int, shop_id: int) -> QuerySet[Case]:
    """The customer's cases about orders of ``shop_id`` and of other shops too: they stay
    (their letters are the other shop's too, and a message is about the whole case), only
    their links to ``shop_id``'s orders go with the shop's part."""
    links = Case.orders.through.objects
    return Case.objects.filter(
        customer_id=customer_id,
        pk__in=links.filter(order__shop_id=shop_id).values("case_id"),
    ).filter(pk__in=links.exclude(order__shop_id=shop_id).values("case_id"))


def grants_of(customer_id: int, shop_id: int | None = None) -> QuerySet[GoodwillGrant]:
    """The customer's goodwill grants; with ``shop_id``, that shop's: about one of its orders,
    or (about no order) in one of its cases (``cases_of``)."""
    grants = GoodwillGrant.objects.filter(customer_id=customer_id)
    if shop_id is None:
        return grants
    return grants.filter(
        Q(order__shop_id=shop_id)
        | Q(order__isnull=True, case__in=cases_of(customer_id, shop_id).values("pk"))
    )


def submissions_of(customer_id: int, shop_id: int | None = None) -> QuerySet[WebFormSubmission]:
    """The customer's web form submissions; with ``shop_id``, those that opened one of that
    shop's cases."""
    submissions = WebFormSubmission.objects.filter(customer_id=customer_id)
    if shop_id is None:
        return submissions
    references = cases_of(customer_id, shop_id).values("reference")
    return submissions.filter(case_reference__in=references)


def _letter_ends(
    customer_id: int, shop_id: int | None = None
) -> list[tuple[int, date, int | None]]:
    """Each business letter in the customer's cases (of ``shop_id``'s orders, given one):
    (message id, kept until, the id of the inbound mail it came in, if any)."""
    rows = CaseMessage.objects.filter(case__in=cases_of(customer_id, shop_id)).values_list(
        "pk", "direction", "created_at", "inbound_mail_id"
    )
    return [
        (pk, letters.kept_until(written_at), mail_id)
        for pk, direction, written_at, mail_id in rows
        if letters.is_business_letter(direction)
    ]


def kept_letters(request: ErasureRequest) -> dict[int, int | None]:
    """The case messages this erasure keeps (letters within their period, when the request
    keeps the desk's letters), by id, with the id of the inbound mail each came in."""
    if request.keeps("service", "letters") is None:
        return {}
    today = request.today or timezone.localdate()
    return {
        pk: mail_id
        for pk, until, mail_id in _letter_ends(request.customer_id, request.shop_id)
        if until >= today
    }


@transaction.atomic
def erase_cases(request: ErasureRequest) -> dict[str, int]:
    """Delete the customer's cases and their messages, except the letters under a retention
    duty and the cases that hold them (for a shop's part alone, of the cases about its orders
    only); returns the counts."""
    kept = kept_letters(request)
    cases = Case.objects.filter(pk__in=cases_of(request.customer_id, request.shop_id))
    messages = CaseMessage.objects.filter(case__in=cases).exclude(pk__in=kept).delete()[0]
    until: dict[int, date] = {}
    for case_id, written_at in CaseMessage.objects.filter(pk__in=kept).values_list(
        "case_id", "created_at"
    ):
        until[case_id] = max(until.get(case_id, date.min), letters.kept_until(written_at))
    keeping = set(until)
    # A kept case is marked: the desk shows it, restricted, and acts on it no further.
    for case_id, day in until.items():
        Case.objects.filter(pk=case_id).update(restricted_until=day)
    gone = cases.exclude(pk__in=keeping)
    # Cases of other customers may point at these (merged into, split from): they keep their
    # own data and lose only the link.
    Case.objects.filter(merged_into__in=gone).update(merged_into=None)
    Case.objects.filter(split_from__in=gone).update(split_from=None)
    Case.objects.filter(reopened_from__in=gone).update(reopened_from=None)
    count = gone.count()
    Case.orders.through.objects.filter(case__in=gone).delete()
    gone.delete()
    return {
        "cases": count,
        "messages": messages,
        "cases_kept": len(keeping),
        "letters_kept": len(kept),
    }


def check_erasure(customer_id: int, today: date, shop_id: int | None = None) -> ErasureCheck:
    """An open case defers the erasure until it is solved; letters within their period are
    kept (one duty: how many, the first and the last end). With ``shop_id``: of the cases
    about that shop's orders only."""
    open_cases = list(
        cases_of(customer_id, shop_id)
        .filter(status__in=ACTIVE_STATUSES)
        .values_list("reference", flat=True)
    )
    ends = [until for _, until, _ in _letter_ends(customer_id, shop_id) if until >= today]
    years, basis = BUSINESS_LETTERS
    duties = []
    if ends:
        duties.append(
            RetentionDuty("service", "letters", basis, years, max(ends), len(ends), min(ends))
        )
    booked = [
        until
        for _, until in desk_gdpr.grant_ends(grants_of(customer_id, shop_id))
        if until >= today
    ]
    if booked:
        years, basis = ACCOUNTING_VOUCHERS
        duties.append(
            RetentionDuty(
                "service", "goodwill", basis, years, max(booked), len(booked), min(booked)
            )
        )
    return ErasureCheck(
        obstacles=tuple(
            Obstacle("service", "open_case", {"case": reference}) for reference in open_cases
        ),
        duties=tuple(duties),
    )


def export_service_data(customer_id: int) -> dict[str, Any]:
    """The registered export: cases and the desk's policies' records."""
    return {
        **desk_gdpr.export_desk(customer_id),
        **export_cases(customer_id),
        **intake_gdpr.export_inbound_mail(customer_id),
    }


@transaction.atomic
def erase_service_data(request: ErasureRequest) -> dict[str, int]:
    """The registered erasure: the desk's records first (they name cases), then the cases,
    then the inbound mails (an original of a kept letter stays with it). A shop's part alone
    (``cases_of``, ``grants_of``, ``submissions_of`` with its id) erases that shop's cases,
    goodwill and web form submissions, the mails filed into its cases and the outbox's
    messages about them, and unlinks its orders from the person's mixed cases."""
    kept = kept_letters(request)
    kept_mails = {mail_id for mail_id in kept.values() if mail_id}
    kept_cases = set(
        Case.objects.filter(messages__in=list(kept)).values_list("reference", flat=True)
    )
    customer_id, shop_id = request.customer_id, request.shop_id
    desk = desk_gdpr.erase_desk(
        request,
        grants=grants_of(customer_id, shop_id),
        submissions=submissions_of(customer_id, shop_id),
        kept_cases=kept_cases,
    )
    if shop_id is not None:
        filed = set(
            CaseMessage.objects.filter(case__in=cases_of(customer_id, shop_id))
            .exclude(inbound_mail=None)
            .values_list("inbound_mail_id", flat=True)
        )
        unlinked, _ = Case.orders.through.objects.filter(
            case__in=mixed_cases_of(customer_id, shop_id), order__shop_id=shop_id
        ).delete()
        return {
            **desk,
            **erase_shop_messages(request),
            **erase_cases(request),
            "mixed_case_order_links_deleted": unlinked,
            **intake_gdpr.erase_inbound_mail(request, keep=kept_mails, only=filed - kept_mails),
        }
    return {
        **desk,
        **erase_cases(request),
        **intake_gdpr.erase_inbound_mail(request, keep=kept_mails),
    }


def shop_case_ids(customer_id: int, shop_id: int) -> list[int]:
    """The ids of the shop's cases of the customer: the outbox's messages whose source is one
    of them are the shop's matter (``messaging.gdpr.register_shop_sources``)."""
    return list(cases_of(customer_id, shop_id).values_list("pk", flat=True))
