"""The preference centre (a token link in every marketing mail, no login): the customer
chooses which purposes they want and may pause marketing mail. Consent is written through
``customers``; a grant made here is a double opt-in at once (the link reached the customer's
inbox), kept with its proof; a pause is a contact hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from stammkunde.customers.double_opt_in import confirm_consent, request_consent
from stammkunde.customers.models import ConsentChannel, ConsentSource, Customer, CustomerStatus
from stammkunde.customers.queries import current_consents
from stammkunde.customers.services.consent import record_consent
from stammkunde.messaging.consent_wording import CURRENT_VERSION, PURPOSE_WORDS, wording
from stammkunde.messaging.governor_terms import HoldKind
from stammkunde.messaging.models import ContactHold
from stammkunde.messaging.services.double_opt_in import MARKETING_PURPOSES
from stammkunde.messaging.services.holds import release_contact_hold, set_contact_hold
from stammkunde.messaging.tokens import TokenError, read_token

PAUSE_REFERENCE = "preference-centre"
PAUSE_CHOICES = (30, 90)


@dataclass(frozen=True)
class Preferences:
    chosen: frozenset[str]
    paused_until: datetime | None


def customer_of_token(token: str) -> Customer:
    """The customer a valid preference-centre token names; TokenError otherwise."""
    payload = read_token("preferences", token)
    customer = Customer.objects.filter(pk=payload.get("c"), status=CustomerStatus.ACTIVE).first()
    if customer is None or not customer.email:
        raise TokenError("This link is not valid (any more).")
    return customer


def preferences(customer: Customer) -> Preferences:
    granted = {
        state.purpose
        for state in current_consents(customer.pk)
        if state.channel == ConsentChannel.EMAIL and state.granted
    }
    return Preferences(
        chosen=frozenset(granted & set(MARKETING_PURPOSES)), paused_until=_pause_until(customer)
    )


def _pause_until(customer: Customer) -> datetime | None:
    now = timezone.now()
    hold = (
        ContactHold.objects.filter(
            customer=customer, kind=HoldKind.PAUSED, released_at__isnull=True
        )
        .filter(Q(until__gt=now))
        .order_by("-until")
        .first()
    )
    return hold.until if hold else None


@transaction.atomic
def save_preferences(
    customer: Customer,
    *,
    chosen: Iterable[str],
    pause_days: int | None,
    ip: str | None,
    user_agent: str,
) -> Preferences:
    """Apply the customer's choices: withdraw what they unticked, grant (with proof) what they
    ticked, and pause (30 or 90 days), resume (0) or leave the pause (None)."""
    chosen = {purpose for purpose in chosen if purpose in MARKETING_PURPOSES}
    before = preferences(customer)
    language = customer.language if customer.language in PURPOSE_WORDS else "de"
    for purpose in sorted(before.chosen - chosen):
        record_consent(
            customer,
            channel=ConsentChannel.EMAIL,
            purpose=purpose,
            granted=False,
            source=ConsentSource.CUSTOMER,
            source_detail="preference centre",
        )
    for purpose in sorted(chosen - before.chosen):
        request = request_consent(
            customer,
            purpose=purpose,
            wording_version=CURRENT_VERSION,
            wording_text=wording(purpose, language),
            language=language,
            source="preference_centre",
            ip=ip,
            user_agent=user_agent,
        )
        confirm_consent(request.pk, ip=ip, user_agent=user_agent)
    if pause_days is not None:
        if pause_days and pause_days not in PAUSE_CHOICES:
            raise ValueError("pause for 30 or 90 days, or 0 to resume")
        release_contact_hold(
            customer_id=customer.pk, kind=HoldKind.PAUSED, reference=PAUSE_REFERENCE
        )
        if pause_days:
            set_contact_hold(
                customer_id=customer.pk,
                kind=HoldKind.PAUSED,
                reference=PAUSE_REFERENCE,
                until=timezone.now() + timedelta(days=pause_days),
            )
    return preferences(customer)
