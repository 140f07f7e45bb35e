"""Double opt-in from messaging's side: ask (record the request through ``customers`` and
mail the confirmation link), and take the confirmation from that link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from stammkunde.customers.double_opt_in import (
    ConsentRequestError,
    confirm_consent,
    request_consent,
)
from stammkunde.customers.models import ConsentRequest, Customer
from stammkunde.messaging.consent_wording import CURRENT_VERSION, PURPOSE_WORDS, wording
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.models import UsedToken
from stammkunde.messaging.services.outbox import Queued, queue_message
from stammkunde.messaging.services.unsubscribe import TokenUsed
from stammkunde.messaging.tokens import TokenError, make_token, read_token, token_digest

MARKETING_PURPOSES = tuple(str(purpose) for purpose in Purpose if purpose != Purpose.TRANSACTIONAL)


class ConsentAskError(ValueError):
    """Consent that cannot be asked for (no address, unknown purpose); the text is for users."""


def ask_for_consent(
    customer: Customer,
    purposes: Sequence[str],
    *,
    source: str,
    ip: str | None = None,
    user_agent: str = "",
    by: Any | None = None,
) -> Queued:
    """Record a double opt-in request per purpose and mail the customer the confirmation link."""
    purposes = [str(purpose) for purpose in purposes]
    if not purposes or any(purpose not in MARKETING_PURPOSES for purpose in purposes):
        raise ConsentAskError(_("Choose what the customer wants to receive."))
    if not customer.email:
        raise ConsentAskError(_("The customer has no e-mail address."))
    language = customer.language if customer.language in PURPOSE_WORDS else "de"
    with transaction.atomic():
        requests = [
            request_consent(
                customer,
                purpose=purpose,
                wording_version=CURRENT_VERSION,
                wording_text=wording(purpose, language),
                language=language,
                source=source,
                ip=ip,
                user_agent=user_agent,
                by=by,
            )
            for purpose in purposes
        ]
        token = make_token("confirm", {"r": [request.pk for request in requests]})
        link = settings.SITE_URL.rstrip("/") + reverse("messaging:confirm", args=[token])
        with translation.override(language):
            subject = _("Please confirm your subscription")
            wanted = ", ".join(PURPOSE_WORDS[language][purpose] for purpose in purposes)
            text = _(
                "Hello,\n\nyou asked us for: %(wanted)s.\n\nPlease confirm with this link "
                "(valid for 7 days):\n%(link)s\n\nIf you did not ask for this, ignore this "
                "mail: you will get nothing more from us.\n"
            ) % {"wanted": wanted, "link": link}
        return queue_message(
            customer=customer,
            to_address=customer.email,
            purpose=Purpose.TRANSACTIONAL,
            idempotency_key=f"consent-confirm:{requests[0].pk}",
            subject=subject,
            text=text,
            from_name=getattr(settings, "MESSAGING_FROM_NAME", ""),
            from_address=settings.DEFAULT_FROM_EMAIL,
            source_type="consent",
            source_id=requests[0].pk,
            by=by,
        )


def requests_of_token(token: str) -> list[ConsentRequest]:
    """The unconfirmed requests a valid, unused confirmation token names; TokenError else."""
    payload = read_token("confirm", token)
    ids = payload.get("r")
    if not isinstance(ids, list) or not ids:
        raise TokenError("This link is not valid (any more).")
    if UsedToken.objects.filter(digest=token_digest(token)).exists():
        raise TokenUsed("This link was used already.")
    requests = list(ConsentRequest.objects.filter(pk__in=ids))
    if len(requests) != len(ids):
        raise TokenError("This link is not valid (any more).")
    return requests


def confirm(token: str, *, ip: str | None, user_agent: str) -> list[str]:
    """Confirm the requests of the token (once): the grants go into the consent ledger with
    the proof. Returns the purposes confirmed; TokenError for a bad or used token."""
    requests = requests_of_token(token)
    try:
        with transaction.atomic():
            UsedToken.objects.create(digest=token_digest(token), kind="confirm")
            for request in requests:
                confirm_consent(request.pk, ip=ip, user_agent=user_agent)
    except IntegrityError:
        raise TokenUsed("This link was used already.") from None
    except ConsentRequestError:
        raise TokenError("This link is not valid (any more).") from None
    return [request.purpose for request in requests]
