"""Where a staff page goes back to after a POST: the ``next`` the page sent, if it is ours.

A form's hidden ``next`` (the page it was sent from) is typed by whoever builds the request, so
it is followed only when it stays on this site (Django's ``url_has_allowed_host_and_scheme``:
relative, or our own host; the same scheme under HTTPS). A check of our own such as
``startswith("/") and not startswith("//")`` let ``/\\evil.example`` through, which browsers
read as ``//evil.example`` (an open redirect).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """The request's ``next`` (POST first, then GET) if it stays on this site, else
    ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def redirect_back(request: HttpRequest, view_name: str, *args: object) -> HttpResponseRedirect:
    """A redirect to the request's safe ``next``, else to the named page."""
    target = safe_next(request, "")
    if target:
        return HttpResponseRedirect(target)
    return redirect(view_name, *args)
