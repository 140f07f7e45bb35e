"""Filing a customer's mail: find the case it answers, else open one.

Threading, most certain first: our reference in the subject ("[VG-10234]"), then the
In-Reply-To and References headers against the Message-IDs of the case thread (ours and the
customer's), then against the outbox (a reply to a message a case sent). A mail that threads
goes to ``threads.file_customer_reply`` (an active case gets it; a solved one is reopened or
followed by a linked new case, the rule of ``cases``). Otherwise the sender's customer is found
or created unverified, the order numbers the mail mentions link that customer's orders, and
``open_case`` routes it (the type guessed from the words by ``wording``).
"""

from __future__ import annotations

from typing import Any

from stammkunde.customers.senders import customer_for_sender
from stammkunde.messaging.queries import messages_by_message_id
from stammkunde.service.intake.acknowledging import acknowledge
from stammkunde.service.intake.html_cleaning import clean_html, html_to_text, link_inline_images
from stammkunde.service.intake.lookups import GroupLookups
from stammkunde.service.intake.mime import ParsedMail
from stammkunde.service.intake.quoting import own_words
from stammkunde.service.intake.thread_lookups import (
    CASE_SOURCE,
    MAX_REFERENCES,
    bracketed,
    reply_candidates,
)
from stammkunde.service.intake.threading_keys import case_reference, order_numbers
from stammkunde.service.models import Case, CaseChannel, CaseMessage, InboundMail
from stammkunde.service.services.case_common import is_restricted
from stammkunde.service.services.cases import CaseError, open_case
from stammkunde.service.services.threads import file_customer_reply
from stammkunde.service.wording import guess_case_type
from stammkunde.shop.models import Order

NO_SUBJECT = "(no subject)"


def threaded_case(parsed: ParsedMail, *, lookups: GroupLookups | None = None) -> Case | None:
    """The case ``parsed`` answers, or None; ``lookups`` answers from its group's look-up
    (``thread_lookups``, in the same order)."""
    if lookups is not None:
        return lookups.threads.case_for(parsed)
    reference = case_reference(parsed.subject)
    if reference:
        case = Case.objects.filter(reference=reference).first()
        if case is not None:
            return case
    candidates = reply_candidates(parsed)
    if not candidates:
        return None
    message = (
        # The exclude repeats the partial index's condition, so that SQLite uses the index.
        CaseMessage.objects.exclude(message_id="")
        .filter(message_id__in=bracketed(candidates))
        .order_by("-id")
        .select_related("case")
        .first()
    )
    if message is not None:
        return message.case
    sent = messages_by_message_id(candidates)
    for message_id in candidates:
        outbound = sent.get(message_id)
        if outbound is not None and outbound.source_type == CASE_SOURCE:
            case = Case.objects.filter(pk=outbound.source_id).first()
            if case is not None:
                return case
    return None


def file_in_case(
    mail: InboundMail,
    parsed: ParsedMail,
    *,
    inline_urls: dict[str, str],
    filed_before: bool | None = None,
    lookups: GroupLookups | None = None,
) -> dict[str, Any]:
    """File ``mail`` in the case it answers or a new one; return the outcome to record.
    ``filed_before`` False skips the look-up for an earlier filing of this mail (the caller
    made it for its whole batch); ``lookups`` are the senders of the mail's group, looked up
    at once."""
    done = (
        None
        if filed_before is False
        else CaseMessage.objects.filter(inbound_mail=mail).select_related("case").first()
    )
    if done is not None:  # re-processed after it was filed: nothing is added twice
        mail.customer_id = done.case.customer_id
        return {"case": done.case_id, "reference": done.case.reference, "opened": False}
    full_text = parsed.text or html_to_text(parsed.html)
    text = own_words(full_text) or full_text.strip()
    html = link_inline_images(clean_html(parsed.html), inline_urls)
    mail_fields = {
        "from_address": parsed.from_address,
        "to_address": ", ".join(parsed.to + parsed.cc)[:2000],
        "message_id": f"<{parsed.message_id}>" if parsed.message_id else "",
        "in_reply_to": f"<{parsed.in_reply_to}>" if parsed.in_reply_to else "",
        "references": [f"<{value}>" for value in parsed.references[:MAX_REFERENCES]],
        "inbound_mail": mail,
    }
    subject = parsed.subject.strip() or NO_SUBJECT
    try:
        case = threaded_case(parsed, lookups=lookups)
        if (
            case is not None
            and is_restricted(case)
            and (case.kept_after_erasure or not case.is_active)
        ):
            # Kept after an erasure, processing restricted: the mail is a new contact, filed
            # like one without a thread (the sender's customer, a new case), not into it. A
            # customer restricted by staff writing into an active case has the mail stored in
            # its thread (Art. 18 (2): storage), which is not reopened, escalated or answered.
            case = None
        if case is not None:
            message = file_customer_reply(
                case,
                subject=subject,
                text=text,
                html=html,
                received_at=mail.received_at,
                **mail_fields,
            )
            mail.customer_id = message.case.customer_id
            if lookups is not None:
                lookups.threads.note_filed(message.case, message_id=mail_fields["message_id"])
            return {
                "case": message.case_id,
                "reference": message.case.reference,
                "opened": message.case_id != case.pk,
            }
        find_customer = lookups.customer_for_sender if lookups else customer_for_sender
        customer, created = find_customer(email=parsed.from_address, name=parsed.from_name)
        numbers = order_numbers(parsed.subject, text)
        orders = (
            list(Order.objects.filter(customer=customer, number__in=numbers)) if numbers else []
        )
        case = open_case(
            customer=customer,
            case_type=guess_case_type(subject, text),
            channel=CaseChannel.EMAIL,
            subject=subject,
            body=text,
            orders=orders,
            body_html=html,
            opened_at=mail.received_at,
            **mail_fields,
        )
    except CaseError as exc:
        from stammkunde.service.intake.decisions import Unfileable

        raise Unfileable(str(exc)) from exc
    mail.customer_id = case.customer_id
    if lookups is not None:
        lookups.threads.note_filed(case, message_id=mail_fields["message_id"])
    acknowledged = acknowledge(
        case,
        to_address=parsed.reply_to or parsed.from_address,
        in_reply_to=mail_fields["message_id"],
        now=mail.received_at,
    )
    if acknowledged and lookups is not None:
        lookups.threads.note_outbox_changed()
    return {
        "case": case.pk,
        "reference": case.reference,
        "opened": True,
        "acknowledged": acknowledged,
        "new_customer": created,
        "orders": [order.number for order in orders],
    }
