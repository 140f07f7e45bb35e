"""Reads of the mail intake for the staff pages; each read of personal data is audited here
(the acting user is a parameter), once per page.

Staff limited to shops (``core/scoping.py``) see only the mails filed in cases they may see
(``service/staff_scope.py``): the installation has one mailbox for every shop, so a mail filed
in no case (parked, an automatic reply, a bounce, one still unfiled) may be about any shop and
is left to unlimited staff, even when its sender is a customer of theirs; nor is a mail filed
into a case about other shops only theirs. Another mail by its id is 404 plus a REFUSE row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.service.intake.html_cleaning import clean_html, html_to_text, link_inline_images
from stammkunde.service.intake.mime import ParsedMail, parse_mail
from stammkunde.service.intake.quoting import own_words
from stammkunde.service.models import Attachment, InboundMail, InboundState
from stammkunde.service.staff_scope import visible_mails

# The list never loads the raw bytes (a page of 50 MB messages would).
LIST_FIELDS = (
    "id",
    "source",
    "received_at",
    "state",
    "attempts",
    "error",
    "from_address",
    "subject",
    "automatic",
    "automatic_reason",
    "customer_id",
    "outcome",
    "size",
)


def state_counts(*, by: Any = None) -> list[dict[str, Any]]:
    """How many mails are in each state, in the order of the states (counted over the mails
    ``by`` may see)."""
    mails = _in_scope(InboundMail.objects.all(), by)
    counts = dict(mails.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return [
        {"state": state, "label": label, "count": counts.get(state, 0)}
        for state, label in InboundState.choices
    ]


def _in_scope(mails: QuerySet[InboundMail], by: Any) -> QuerySet[InboundMail]:
    """``mails`` without those ``by`` may not see (``visible_mails``: limited staff see only
    mail filed in cases they may see)."""
    return visible_mails(mails, by)


def _listed(state: str, by: Any) -> QuerySet[InboundMail]:
    mails = _in_scope(InboundMail.objects.only(*LIST_FIELDS), by).order_by("-id")
    return mails.filter(state=state) if state else mails


def inbound_mails(*, state: str, offset: int, limit: int, by: Any) -> list[InboundMail]:
    """One page of mails (newest first), ``limit + 1`` rows to tell whether a next page
    exists; audited with the customers shown."""
    rows = list(_listed(state, by)[offset : offset + limit + 1])
    audit(
        actor=by,
        action=AuditAction.VIEW,
        object_type="service.inboundmail",
        customer_ids=sorted({row.customer_id for row in rows[:limit] if row.customer_id}),
        detail="inbound mail list",
    )
    return rows


def _refused(mail: InboundMail, by: Any, detail: str) -> bool:
    """Whether ``by`` may not see ``mail`` (limited to shops its customer is not in); a
    refusal is recorded, so a probe of other shops' mails leaves a trace."""
    if _in_scope(InboundMail.objects.filter(pk=mail.pk), by).exists():
        return False
    audit(
        actor=by,
        action=AuditAction.REFUSE,
        object_type="service.inboundmail",
        object_id=mail.pk,
        detail=f"outside the staff member's shops: {detail}"[:200],
    )
    return True


def inbound_mail(pk: int, *, by: Any, detail: str = "inbound mail") -> InboundMail | None:
    """One mail with its raw message (audited), or None: no such mail, or one of a customer
    outside ``by``'s shops."""
    mail = InboundMail.objects.filter(pk=pk).first()
    if mail is not None and _refused(mail, by, detail):
        return None
    if mail is not None:
        audit(
            actor=by, action=AuditAction.VIEW, obj=mail, customer_id=mail.customer_id, detail=detail
        )
    return mail


def attachments_of(mail: InboundMail) -> list[Attachment]:
    """The files of ``mail`` without their bytes."""
    return list(mail.attachments.defer("content"))


def attachment(pk: int, *, by: Any) -> Attachment | None:
    """One stored file with its bytes (audited as a read of its mail's customer's data), or
    None, as for its mail (``inbound_mail``)."""
    found = Attachment.objects.select_related("inbound_mail").filter(pk=pk).first()
    if found is not None and _refused(found.inbound_mail, by, "attachment"):
        return None
    if found is not None:
        audit(
            actor=by,
            action=AuditAction.VIEW,
            obj=found,
            customer_id=found.inbound_mail.customer_id,
            detail="attachment downloaded",
        )
    return found


def readable(mail: InboundMail, files: list[Attachment]) -> dict[str, Any]:
    """The mail as the detail page shows it: headers, the sender's own words, the full text
    and the sanitized HTML with its inline images."""
    parsed: ParsedMail = parse_mail(bytes(mail.raw))
    text = parsed.text or html_to_text(parsed.html)
    urls = {
        file.content_id: reverse("ui:inbound-attachment", args=[file.pk])
        for file in files
        if file.content_id and file.outcome == "stored"
    }
    return {
        "parsed": parsed,
        "own_words": own_words(text),
        "full_text": text,
        "html": link_inline_images(clean_html(parsed.html), urls),
        "headers": [(name, value) for name, values in parsed.headers.items() for value in values][
            :200
        ],
    }


@dataclass(frozen=True)
class EarlierWork:
    """What earlier runs left of a batch's mails (mails put back by staff after they were
    processed): the ids already filed in a case, and those with files kept."""

    filed: set[int]
    with_files: set[int]


def earlier_work(mail_ids: list[int]) -> EarlierWork:
    """Which of these stored mails already have their message in a case and which have
    their files stored: two queries for a whole batch instead of two per mail."""
    from stammkunde.service.models import CaseMessage

    return EarlierWork(
        filed=set(
            CaseMessage.objects.filter(inbound_mail_id__in=mail_ids).values_list(
                "inbound_mail_id", flat=True
            )
        ),
        with_files=set(
            Attachment.objects.filter(inbound_mail_id__in=mail_ids).values_list(
                "inbound_mail_id", flat=True
            )
        ),
    )
