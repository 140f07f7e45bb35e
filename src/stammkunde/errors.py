"""The error pages (handler400/403/404/500 in ``stammkunde.urls``): under /help/, the public
help page that shops embed in an iframe, they look like the help page, speak the visitor's
language and may be framed as the help page may; under /m/, the customers' links from mails,
they are the page of a link that is not valid; everywhere else Django's views with the staff
interface's templates (``ui/templates/404.html``, ``403.html``); a 400 or 500 there is a plain
page in the staff member's language (Django's own is English under ``lang="en"`` whatever the
language served, and has no request to know it by)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

from stammkunde.core.languages import language_tag, set_content_language


def _on_help_page(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("help-center"))


def _customer_page(request: HttpRequest, status: int) -> HttpResponse | None:
    """The customer-facing answer for ``request``'s path, or None for a staff page."""
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        return error_page(request, status)
    if status != 500 and request.path_info.startswith("/m/"):  # stammkunde/urls.py
        from stammkunde.messaging.public_views import error_page as link_error_page

        return link_error_page(request, status)
    return None


def _plain(status: int, title: str, text: str) -> HttpResponse:
    """The page without the request's context (no user, no database): a 500 may be the
    database's, a 400 may be a refused host."""
    context = {
        "LANGUAGE_TAG": language_tag(translation.get_language()),
        "title": title,
        "text": text,
    }
    response = HttpResponse(loader.render_to_string("ui/plain_error.html", context), status=status)
    return set_content_language(response)


def bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    return _customer_page(request, 400) or _plain(
        400, _("Your request could not be read"), _("Please go back and try again.")
    )


def permission_denied(request: HttpRequest, exception: Any) -> HttpResponse:
    return _customer_page(request, 403) or defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Any) -> HttpResponse:
    return _customer_page(request, 404) or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        try:
            return error_page(request, 500)
        except Exception:  # the plain page below is the fallback
            pass
    try:
        return _plain(
            500,
            _("Something went wrong"),
            _("Please try again in a few minutes. If it keeps happening, tell your administrator."),
        )
    except Exception:  # Django's own page, which needs nothing
        return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without its token (a page left open past the session, a
    cookie refused): said in the language served, not Django's English page for developers.
    Under /m/ the customer gets the invalid link's page."""
    if request.path_info.startswith("/m/"):  # stammkunde/urls.py
        from stammkunde.messaging.public_views import error_page as link_error_page

        return link_error_page(request, 403)
    return _plain(
        403,
        _("The form could not be sent"),
        _(
            "The page was open too long or the browser refused our cookie. Reload the page and "
            "send the form again."
        ),
    )
