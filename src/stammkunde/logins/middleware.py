"""Middleware of the staff pages: no caching of personal data, and the two-factor gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from stammkunde.logins.backends import HAS_AUTHENTICATOR, TWO_FACTOR_REQUIRED, preloaded
from stammkunde.logins.queries import has_authenticator, two_factor_required

# Pages a logged-in user may open before the second factor: the way out, the language switch,
# and the two-factor pages themselves.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"ui:logout", "admin:logout", "set_language", "ui:two-factor-verify"}
)
# Pages a user whose role requires two factors may open before setting them up.
OPEN_BEFORE_SETUP = OPEN_BEFORE_SECOND_FACTOR | {"ui:two-factor-setup"}


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page Django renders (the staff pages show personal
    data; neither the browser's cache nor a proxy may keep them). Static files are answered
    by whitenoise before this and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class TwoFactorMiddleware:
    """Sends a logged-in user who has an authenticator, but has not used it in this session,
    to the code page; and a user whose role requires two factors, but who has none yet, to the
    setup page. Applies to the staff pages and the Django admin alike (the API uses tokens)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if _fact(user, HAS_AUTHENTICATOR, has_authenticator):
            if view_name in OPEN_BEFORE_SECOND_FACTOR:
                return None
            return _redirect("ui:two-factor-verify", request)
        if (
            _fact(user, TWO_FACTOR_REQUIRED, two_factor_required)
            and view_name not in OPEN_BEFORE_SETUP
        ):
            return _redirect("ui:two-factor-setup", request)
        return None


def _fact(user: Any, name: str, query: Callable[[Any], bool]) -> bool:
    """The two-factor fact read with the request's user (logins/backends.py: in the query that
    loaded the user at the start of this request), else asked of the database."""
    value = preloaded(user, name)
    return query(user) if value is None else bool(value)


def _redirect(view_name: str, request: HttpRequest) -> HttpResponse:
    target = reverse(view_name)
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    response = HttpResponseRedirect(target)
    if getattr(request, "htmx", False):
        # htmx would swap the code page into a fragment; make the browser go there instead.
        response["HX-Redirect"] = target
    return response
