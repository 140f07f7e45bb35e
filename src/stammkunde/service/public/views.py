"""Views of the public help page. Everything here runs with the origin ``customer``."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from stammkunde.core.client_address import client_address
from stammkunde.core.languages import set_content_language
from stammkunde.core.origin import Origin, event_origin
from stammkunde.service.models import HelpCenterSettings, KnowledgeArticle, KnowledgeCategory
from stammkunde.service.public.forms import CaseForm
from stammkunde.service.queries import search_articles
from stammkunde.service.services.macros import count_article_view
from stammkunde.service.services.web_form import (
    FormInput,
    FormRefused,
    Throttled,
    process_submission,
    receive_submission,
)


def public_page(view: Callable) -> Callable:
    """Origin ``customer``; in the language the visitor chose (``?lang=``: labels, refusals
    and articles alike); framable by the configured origins only (CSP frame-ancestors)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with event_origin(Origin.CUSTOMER), translation.override(_language(request)):
            response = view(request, *args, **kwargs)
        return _framable(response)

    return xframe_options_exempt(wrapper)


def _framable(response: HttpResponse) -> HttpResponse:
    """The help page's framing policy: the configured origins may frame it (CSP
    frame-ancestors, no X-Frame-Options)."""
    # The site's Content-Security-Policy (django-csp) with only frame-ancestors replaced:
    # the page keeps the rule against inline code while the shop may frame it.
    response._csp_replace = {
        "frame-ancestors": list(settings.HELP_PAGE_FRAME_ANCESTORS) or ["'none'"]
    }
    response.xframe_options_exempt = True
    return response


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang") or (get_language() or "de")
    return "en" if wanted.startswith("en") else "de"


def _render(
    request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200
) -> HttpResponse:
    """The page in ``language``: a browser set to German asking for English got English
    articles under German labels."""
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    return set_content_language(response, language)


def _page(request: HttpRequest, form: CaseForm, *, status: int = 200, **extra) -> HttpResponse:
    language = _language(request)
    query = (request.GET.get("q") or "")[:200]
    contact = HelpCenterSettings.objects.first()
    categories = []
    for category in KnowledgeCategory.objects.all():
        articles = [
            article
            for article in category.articles.all()
            if article.is_public and article.language == language
        ]
        if articles:
            categories.append((category.name_in(language), articles))
    context = {
        "language": language,
        "query": query,
        "results": search_articles(query, language=language) if query.strip() else None,
        "categories": categories,
        "contact": contact,
        "phone_hours": contact.phone_hours_in(language) if contact else "",
        "form": form,
        **extra,
    }
    return _render(
        request, "service/public/help_center.html", context, language=language, status=status
    )


@public_page
def help_center(request: HttpRequest) -> HttpResponse:
    return _page(request, CaseForm())


@public_page
def help_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(KnowledgeArticle, pk=pk, is_public=True)
    count_article_view(article)
    return _render(
        request, "service/public/article.html", {"article": article}, language=article.language
    )


# No CSRF check: the form is sent from the shop's iframe, a third-party frame in which browsers
# neither store nor send our SameSite=Lax cookies, so the check refused every customer there.
# It guards a logged-in session, which this anonymous form does not have (nothing is done in a
# visitor's name); the honeypot and the per-address throttle are what guard the form.
@csrf_exempt
@public_page
def help_contact(request: HttpRequest) -> HttpResponse:
    """Store the visitor's message, then open a case from it. A flood is refused with 429.
    Opened without the form (reloaded or bookmarked after sending), it leads back to the help
    page instead of an empty 405 in the shop's frame."""
    if request.method != "POST":
        return redirect(f"{reverse('help-center')}?lang={_language(request)}")
    form = CaseForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    try:
        submission = receive_submission(
            FormInput(
                name=data["name"],
                email=data["email"],
                message=data["message"],
                order_number=data["order_number"],
                topic=data["topic"],
                language=_language(request),
            ),
            address=client_address(request) or "",
            honeypot=data["website"],
        )
    except Throttled as refused:
        response = _page(request, form, status=429, refused=str(refused))
        response["Retry-After"] = str(math.ceil(refused.wait.total_seconds()))
        return response
    except FormRefused as refused:
        form.add_error(None, str(refused))
        return _page(request, form, status=422)
    if submission is not None:
        # Stored already: a failure here is retried by the sweep, never lost.
        submission = process_submission(submission.pk)
    return _render(
        request,
        "service/public/thanks.html",
        {"submission": submission},
        language=_language(request),
    )


# The error pages of the help page's addresses: (title, text) per status.
ERRORS = {
    400: (
        _lazy("Your request could not be read"),
        _lazy("Please go back and try again."),
    ),
    403: (
        _lazy("Not allowed"),
        _lazy("This page cannot be opened from here. Please go back and try again."),
    ),
    404: (
        _lazy("Page not found"),
        _lazy("This page does not exist, or the article was taken down."),
    ),
    500: (
        _lazy("Something went wrong"),
        _lazy("Please try again in a few minutes, or call or write to us."),
    ),
}


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """An error under /help/ as the help page shows it: its look, the visitor's language
    (``?lang=`` or the browser's), and its framing policy, so the shop's iframe shows the
    message instead of the browser's refusal to show a framed page. Reads no database (a 500
    may be the database's)."""
    language = _language(request)
    with translation.override(language):
        title, text = ERRORS[status]
        response = render(
            request,
            "service/public/error.html",
            {"title": str(title), "text": str(text), "language": language},
            status=status,
        )
    return _framable(set_content_language(response, language))
