"""The pages follow a staff member's own language: the one they chose for their mail
(``StaffPreference``) is set as the language cookie when they log in, and choosing a language
in the header's switch chooses it for their mail too, so pages and mail never disagree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language
from django.views.i18n import set_language

# Set on the request by the login receiver, read by the middleware on the response.
PENDING = "_stammkunde_staff_language"


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Django's language cookie, with the settings Django's own switch uses."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def remember_on_login(sender: Any, request: HttpRequest | None = None, user: Any = None, **_: Any):
    """``user_logged_in`` receiver: the login's response carries the user's chosen language."""
    from stammkunde.logins.queries import chosen_language

    if request is not None and user is not None:
        language = chosen_language(user)
        if language:
            setattr(request, PENDING, language)


class StaffLanguageMiddleware:
    """Sets the language cookie that the login receiver asked for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, PENDING, "")
        if language:
            set_language_cookie(response, language)
        return response


def switch_language(request: HttpRequest) -> HttpResponse:
    """The header's switch: Django's ``set_language``, and for a logged-in staff member the same
    language for their mail (their setting)."""
    response = set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and language
        and check_for_language(language)
        and language in dict(settings.LANGUAGES)
    ):
        from stammkunde.logins.services import set_staff_language

        set_staff_language(user, language, by=user)
    return response
