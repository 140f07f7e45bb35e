"""WSGI entry point (gunicorn stammkunde.wsgi).

Webhook deliveries (``/hooks/...``) take a shorter path than the staff pages: shops post them
in bursts, and each must be stored and answered quickly (see docs/WEBHOOKS.md, "Throughput").
``application`` hands them to ``WebhookHandler``, everything else to Django's usual handler.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stammkunde.settings")
django_application = get_wsgi_application()  # also sets Django up

from django.conf import settings  # noqa: E402  (needs the settings module set above)
from django.core.exceptions import MiddlewareNotUsed  # noqa: E402
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler, get_script_name  # noqa: E402
from django.db import connections, reset_queries  # noqa: E402
from django.middleware.locale import LocaleMiddleware  # noqa: E402
from django.urls import set_script_prefix, set_urlconf  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.cache import patch_vary_headers  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from stammkunde.core.languages import set_content_language  # noqa: E402

WEBHOOK_PATH_PREFIX = "/hooks/"

# The middleware a webhook needs, applied in the order settings.MIDDLEWARE lists them: security
# headers, the language of the error messages, and CommonMiddleware's host check and trailing
# slash. Sessions, CSRF (the view is exempt), authentication, messages, clickjacking, htmx and
# static files serve the staff pages only; together they were about a tenth of a delivery's time.
WEBHOOK_MIDDLEWARE = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "stammkunde.core.languages.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
    }
)
# Stand-ins on the webhook path for middleware of the list above (see WebhookLocaleMiddleware).
WEBHOOK_REPLACEMENTS = {
    "stammkunde.core.languages.LocaleMiddleware": "stammkunde.wsgi.WebhookLocaleMiddleware",
}


def webhook_middleware() -> list[str]:
    """The middleware classes webhook requests pass through, outermost first."""
    return [
        WEBHOOK_REPLACEMENTS.get(path, path)
        for path in settings.MIDDLEWARE
        if path in WEBHOOK_MIDDLEWARE
    ]


class WebhookLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware without its checks of a language prefix in the URL, which no webhook
    URL has (the project uses no i18n_patterns): the language comes from the request's cookie
    or Accept-Language header as before, and the answer names it and varies by it.

    The prefix checks (the path's first segment looked up as a language, on the way in and
    again on the way out) were a sixth of the CPU time of a delivery on this path.
    """

    def process_request(self, request: Any) -> None:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: Any, response: Any) -> Any:
        patch_vary_headers(response, ("Accept-Language",))
        set_content_language(response)
        return response


# A connection that served a webhook less than this long ago skips Django's health check
# (CONN_HEALTH_CHECKS: a ``SELECT 1`` round trip before the first query of a request) on the
# next webhook. Under load that check was a fifth of each delivery's time on PostgreSQL, and a
# connection that worked a moment ago is as likely to work as one that just answered it. An idle
# connection is checked as usual.
RECENTLY_USED_SECONDS = 1.0


def close_unusable_connections() -> None:
    """Django's per-request connection housekeeping, except that SQLite connections are kept
    past their age and a connection used by the last webhook a moment ago is not
    health-checked again.

    Pages and webhooks alike keep a connection for ``CONN_MAX_AGE`` (60 s, the settings);
    reopening it after that was about half of a webhook's time: opening runs the PRAGMAs, the
    first query reads the whole schema, and closing the last connection checkpoints the WAL.
    A connection to a local file does not go stale, so webhook threads keep theirs beyond the
    age; a broken one (errors, a transaction left open) is still closed. The age limit is only
    suspended here: the next page request on the thread closes an old connection as the
    settings say.
    """
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" or connection.connection is None:
            connection.close_if_unusable_or_obsolete()
        else:
            close_at = connection.close_at
            connection.close_at = None
            try:
                connection.close_if_unusable_or_obsolete()
            finally:
                if connection.connection is not None:
                    connection.close_at = close_at
        if connection.connection is None:
            continue
        used_at = getattr(connection, "webhook_used_at", None)
        if used_at is not None and now - used_at < RECENTLY_USED_SECONDS:
            connection.health_check_done = True
        connection.webhook_used_at = now


StartResponse = Callable[..., Any]


class WebhookHandler(WSGIHandler):
    """Django's WSGI handler with the short middleware chain and the kept SQLite connections.

    Everything else is Django's: URL resolving, the view, exceptions turned into responses
    (logged; a 500 page only if something is wrong), 4xx logging. It sends no request_started/
    request_finished signals, because their receiver ``close_old_connections`` would close the
    connection; their other receivers (query log reset, cache connections, URLconf reset) are
    done here or unused on this path.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        """Build the middleware chain from ``webhook_middleware()`` (synchronous only)."""
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(webhook_middleware()):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        set_script_prefix(get_script_name(environ))
        reset_queries()
        close_unusable_connections()
        request = self.request_class(environ)
        try:
            response = self.get_response(request)
            # Webhook answers are small JSON: read whole here, so the connection housekeeping
            # runs before the answer leaves, and nothing is left to close afterwards.
            content = b"".join(response)
            if response.streaming:  # never on this path; a streamed file closes its resources
                response.close()
            status = f"{response.status_code} {response.reason_phrase}"
            headers = [
                *response.items(),
                *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
            ]
        finally:
            request.close()
            close_unusable_connections()
            set_urlconf(None)
        start_response(status, headers)
        return [content]


webhook_application = WebhookHandler()


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI application: webhooks to ``WebhookHandler``, the rest to Django's handler."""
    if environ.get("PATH_INFO", "").startswith(WEBHOOK_PATH_PREFIX):
        return webhook_application(environ, start_response)
    return django_application(environ, start_response)
