"""django-anymail's webhooks (the providers' tracking events under ``/anymail/``, their inbound
mail under ``/hooks/inbound-mail/<esp>/``) stay closed until they are secured.

Without ``ANYMAIL["WEBHOOK_SECRET"]`` (``STAMMKUNDE_ANYMAIL_WEBHOOK_SECRET``) anymail accepts
anyone's POST and only warns: a forged "bounce" put any address on the suppression list, a
forged inbound message opened a case in any customer's name. A provider view that would run
unsecured (anymail's ``warn_if_no_basic_auth`` and no secret; a view that checks the
provider's own signature instead, such as Mailgun's with its signing key, is secured) answers
404 here, as the raw MIME endpoint does while its secret is unset.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver


def unsecured(view: Callable[..., HttpResponse]) -> bool:
    """Whether anymail's class-based ``view`` would accept requests from anyone now (read
    per request: the settings may change, tests override them)."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # anymail's own warning about exactly this
        try:
            probe = view_class(**getattr(view, "view_initkwargs", {}))
        except Exception:
            # A provider not set up (no API key, its package missing): closed like the rest
            # while no secret is set; with one, the view answers with anymail's own error.
            return not _secret_set()
    return bool(getattr(probe, "warn_if_no_basic_auth", False)) and not getattr(
        probe, "basic_auth", None
    )


def _secret_set() -> bool:
    from anymail.utils import get_anymail_setting

    return bool(get_anymail_setting("webhook_secret", default=None))


def secured(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view``, answering 404 while it would be open to anyone (``unsecured``)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if unsecured(view):
            return JsonResponse(
                {"state": "unknown", "error": "This webhook is not enabled (no secret set)."},
                status=404,
            )
        return view(request, *args, **kwargs)

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]  (as anymail's views are)
    return wrapper


def secured_patterns(patterns: Iterable[URLPattern | URLResolver]) -> list[URLPattern]:
    """Copies of anymail's URL patterns with each view ``secured``."""
    result = []
    for pattern in patterns:
        assert isinstance(pattern, URLPattern), "anymail's URLs are flat"
        result.append(
            URLPattern(
                pattern.pattern, secured(pattern.callback), pattern.default_args, pattern.name
            )
        )
    return result
