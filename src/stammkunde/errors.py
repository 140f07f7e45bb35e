"""The error pages (handler400/403/404/500 in ``stammkunde.urls``): under /help/, the public
help page that shops embed in an iframe, they look like the help page, speak the visitor's
language and may be framed as the help page may; under /m/, the customers' links from mails,
they are the page of a link that is not valid; everywhere else Django's views with the staff
interface's templates (``ui/templates/404.html``, ``403.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views import defaults


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


def bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    return _customer_page(request, 400) or defaults.bad_request(request, exception)


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
    return defaults.server_error(request)
