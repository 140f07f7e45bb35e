"""The error pages (handler400/403/404/500 in ``stammkunde.urls``): under /help/, the public
help page that shops embed in an iframe, they look like the help page, speak the visitor's
language and may be framed as the help page may; everywhere else Django's views with the staff
interface's templates (``ui/templates/404.html``, ``403.html``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views import defaults


def _on_help_page(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("help-center"))


def bad_request(request: HttpRequest, exception: Any) -> HttpResponse:
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        return error_page(request, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Any) -> HttpResponse:
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        return error_page(request, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Any) -> HttpResponse:
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        return error_page(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _on_help_page(request):
        from stammkunde.service.public.views import error_page

        try:
            return error_page(request, 500)
        except Exception:  # the plain page below is the fallback
            pass
    return defaults.server_error(request)
