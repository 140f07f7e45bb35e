"""The public case form: throttle, store as sent, then open a case from it (retried, parked)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.core import throttle
from stammkunde.core.keys import normalize_email
from stammkunde.core.retrying import OUTCOME_FIELDS, RetrySchedule, claim_due_ids, retry_or_park
from stammkunde.customers.models import Customer
from stammkunde.customers.services.profile import create_customer
from stammkunde.service.models import (
    CaseChannel,
    CaseType,
    FormThrottle,
    SubmissionState,
    WebFormSubmission,
)
from stammkunde.service.services.cases import open_case
from stammkunde.shop.models import Order

MESSAGE_MAX = 10_000
SCHEDULE = RetrySchedule(max_attempts=5, base_delay=timedelta(minutes=1))


class FormRefused(ValueError):
    """The submission was not accepted; the message is for the visitor."""


class Throttled(FormRefused):
    def __init__(self, wait: timedelta) -> None:
        super().__init__(_("Too many messages from your connection; please try again later."))
        self.wait = wait


@dataclass(frozen=True)
class FormInput:
    name: str
    email: str
    message: str
    order_number: str = ""
    topic: str = ""
    language: str = "de"


def client_key(address: str) -> str:
    """A keyed hash of the sender's IP address: countable, but not the address itself."""
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, (address or "-").encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def _refused(key: str, now) -> None:
    minute = now.replace(second=0, microsecond=0)
    updated = FormThrottle.objects.filter(client_key=key, minute=minute).update(
        refused=F("refused") + 1
    )
    if not updated:
        FormThrottle.objects.get_or_create(client_key=key, minute=minute, defaults={"refused": 1})


def _clean(data: FormInput) -> FormInput:
    email = normalize_email(data.email) or ""
    try:
        validate_email(email)
    except ValidationError:
        raise FormRefused(_("Please give an e-mail address we can answer to.")) from None
    message = (data.message or "").replace("\x00", "").strip()
    if not message:
        raise FormRefused(_("Please write your message."))
    if len(message) > MESSAGE_MAX:
        raise FormRefused(_("The message is too long."))
    return FormInput(
        name=" ".join((data.name or "").split())[:200],
        email=email,
        message=message,
        order_number=" ".join((data.order_number or "").split())[:64],
        topic=(data.topic or "")[:32],
        language="en" if data.language == "en" else "de",
    )


def receive_submission(
    data: FormInput, *, address: str, honeypot: str = ""
) -> WebFormSubmission | None:
    """Store a submission as sent, or refuse it (Throttled, FormRefused).

    A filled honeypot (a field people never see) is a bot: nothing is stored, and the caller
    answers as if it were accepted so the bot learns nothing. Returns None then. Refusals are
    counted per sender and minute (committed, although the submission is not stored).
    """
    key = client_key(address)
    now = timezone.now()
    if honeypot.strip():
        _refused(key, now)
        return None
    recent = list(
        WebFormSubmission.objects.filter(
            client_key=key, received_at__gt=now - throttle.longest()
        ).values_list("received_at", flat=True)
    )
    wait = throttle.retry_after(recent, now)
    if wait is not None:
        _refused(key, now)
        raise Throttled(wait)
    data = _clean(data)
    return WebFormSubmission.objects.create(
        received_at=now,
        name=data.name,
        email=data.email,
        order_number=data.order_number,
        topic=data.topic,
        message=data.message,
        language=data.language,
        client_key=key,
    )


def customer_for(submission: WebFormSubmission) -> Customer:
    """The customer behind the e-mail address; an unknown sender becomes a new customer with
    the source ``web_form``: without an order, a shop account or a consent that customer is an
    unverified contact (customers.retention), since anyone can type any address into a form."""
    customer = Customer.objects.filter(email=submission.email).first()
    while customer is not None and customer.merged_into_id:
        customer = customer.merged_into
    if customer is not None:
        return customer
    first, _space, last = submission.name.partition(" ")
    customer = create_customer(
        by=None,
        source="web_form",
        email=submission.email,
        first_name=first[:100],
        last_name=last[:100],
        language=submission.language,
    )
    return customer


def _open_case(submission: WebFormSubmission) -> None:
    customer = customer_for(submission)
    orders = (
        list(Order.objects.filter(customer=customer, number=submission.order_number)[:1])
        if submission.order_number
        else []
    )
    topic = submission.topic if submission.topic in CaseType.values else CaseType.QUESTION
    subject = submission.message.splitlines()[0][:120]
    if submission.order_number:
        subject = f"{subject} ({submission.order_number})"
    case = open_case(
        customer=customer,
        case_type=topic,
        channel=CaseChannel.WEB_FORM,
        subject=subject,
        body=submission.message,
        orders=orders,
        from_address=submission.email,
        opened_at=submission.received_at,
    )
    submission.customer = customer
    submission.case_reference = case.reference
    submission.state = SubmissionState.DONE


def process_submission(submission_id: int) -> WebFormSubmission:
    """Turn one stored submission into a case; a failure is retried later, then parked."""
    with transaction.atomic():
        submission = WebFormSubmission.objects.select_for_update().get(pk=submission_id)
        if submission.state != SubmissionState.RECEIVED:
            return submission
        submission.attempts += 1
        try:
            with transaction.atomic():
                _open_case(submission)
                submission.processed_at = timezone.now()
                submission.error = ""
                submission.next_attempt_at = None
                submission.save(update_fields=[*OUTCOME_FIELDS, "customer", "case_reference"])
        except Exception as error:  # any failure is this submission's, never the caller's
            retry_or_park(
                submission,
                error,
                now=timezone.now(),
                schedule=SCHEDULE,
                parked_state=SubmissionState.PARKED,
            )
            submission.save(update_fields=list(OUTCOME_FIELDS))
    return submission


def process_due_submissions(limit: int = 100) -> int:
    """The periodic sweep: submissions whose first processing failed or never ran."""
    now = timezone.now()
    with transaction.atomic():
        ids = claim_due_ids(
            WebFormSubmission.objects.filter(state=SubmissionState.RECEIVED), limit=limit, now=now
        )
    for submission_id in ids:
        process_submission(submission_id)
    return len(ids)
