"""The customer-facing pages of mails' links (no login; a signed token authenticates):
one-click unsubscribe, confirming a subscription, the preference centre. Every refusal looks
the same whichever the reason, and never names whose link it was."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stammkunde.core.client_address import client_address
from stammkunde.messaging.consent_wording import PURPOSE_WORDS, wording
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.services.double_opt_in import (
    MARKETING_PURPOSES,
    confirm,
    requests_of_token,
)
from stammkunde.messaging.services.preferences import (
    customer_of_token,
    preferences,
    save_preferences,
)
from stammkunde.messaging.services.unsubscribe import (
    TokenUsed,
    check_unsubscribe_token,
    unsubscribe,
)
from stammkunde.messaging.tokens import TokenError


def refused(request: HttpRequest, error: TokenError) -> HttpResponse:
    """The same page for a forged, expired or foreign token; a used one says it was used."""
    used = isinstance(error, TokenUsed)
    return render(
        request, "messaging/public/refused.html", {"used": used}, status=409 if used else 400
    )


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """A 400, 403 or 404 under /m/ (a link cut short in the mail client, a mistyped one): the
    customer gets the page of a link that is not valid, in the look of these pages, not the
    staff interface's error page (with its link to the customer search)."""
    return render(request, "messaging/public/refused.html", {"used": False}, status=status)


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without any cookie or CSRF
# token; the signed token in the URL is the authentication. Only this view is exempt.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe anyone); POST takes effect."""
    try:
        if request.method == "POST":
            done = unsubscribe(token)
            purpose = done.purpose
        else:
            purpose = check_unsubscribe_token(token).purpose
    except TokenError as error:
        return refused(request, error)
    return render(
        request,
        "messaging/public/unsubscribe.html",
        {"done": request.method == "POST", "purpose_label": Purpose(purpose).label},
    )


def _client(request: HttpRequest) -> tuple[str | None, str]:
    return client_address(request), request.META.get("HTTP_USER_AGENT", "")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm a subscription: GET shows what is confirmed and a button (a mail scanner that
    opens links confirms nothing), POST confirms and keeps the proof."""
    try:
        if request.method == "POST":
            ip, agent = _client(request)
            purposes = confirm(token, ip=ip, user_agent=agent)
            requests = None
        else:
            requests = requests_of_token(token)
            purposes = [item.purpose for item in requests]
    except TokenError as error:
        return refused(request, error)
    return render(
        request,
        "messaging/public/confirm.html",
        {
            "done": request.method == "POST",
            "labels": [Purpose(purpose).label for purpose in purposes],
            "wordings": [item.wording_text for item in requests or ()],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest, token: str) -> HttpResponse:
    """The preference centre: tick what you want, pause or resume."""
    try:
        customer = customer_of_token(token)
    except TokenError as error:
        return refused(request, error)
    saved = False
    if request.method == "POST":
        pause = request.POST.get("pause", "")
        pause_days = int(pause) if pause in ("0", "30", "90") else None
        ip, agent = _client(request)
        save_preferences(
            customer,
            chosen=request.POST.getlist("purpose"),
            pause_days=pause_days,
            ip=ip,
            user_agent=agent,
        )
        saved = True
    current = preferences(customer)
    language = customer.language if customer.language in PURPOSE_WORDS else "de"
    options = [
        {
            "value": purpose,
            "label": Purpose(purpose).label,
            "words": wording(purpose, language),
            "chosen": purpose in current.chosen,
        }
        for purpose in MARKETING_PURPOSES
    ]
    return render(
        request,
        "messaging/public/preferences.html",
        {"options": options, "paused_until": current.paused_until, "saved": saved},
    )
