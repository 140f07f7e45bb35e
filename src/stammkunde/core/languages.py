"""The language a page or answer is served in, as its ``lang`` attribute and Content-Language
header name it: German as Django writes it (``de``), English the British way
(``stammkunde/formats/en``: "4 Dec 2026", "04/12/2026", 24-hour clock), so ``en-GB``. A browser,
screen reader or translator then reads the dates and numbers as the variant they are written in.
The codes in settings, cookies, profiles and ``?lang=`` stay the short ones."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

# The variant each language's formats write (the formats modules under stammkunde/formats).
SERVED_AS = {"en": "en-GB"}


def language_tag(code: str | None) -> str:
    """The BCP 47 tag of what is served in ``code`` ("en" -> "en-GB", "de" -> "de")."""
    code = code or translation.get_language() or "de"
    return SERVED_AS.get(code.lower(), code)


def served_language(request: HttpRequest | None = None) -> dict[str, Any]:
    """Context processor: ``LANGUAGE_TAG``, the active language's tag (inside a
    ``translation.override`` the overriding language's)."""
    return {"LANGUAGE_TAG": language_tag(translation.get_language())}


def set_content_language(response: HttpResponse, code: str | None = None) -> HttpResponse:
    """Name the language of ``response`` (``code``, else the active one) unless it is named."""
    response.headers.setdefault("Content-Language", language_tag(code))
    return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, with Content-Language naming the variant served (``en-GB``, not ``en``); a view
    that served another language than the request's (the help page's ``?lang=``) names it
    itself."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        set_content_language(response)
        return super().process_response(request, response)
