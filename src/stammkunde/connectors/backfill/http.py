"""The HTTP plumbing every shop API client shares: timeouts, retries, rate limits, errors.

A shop's API is the one outside system a backfill talks to, and it fails in the usual ways:
it answers 429 when we go too fast (with ``Retry-After``), 5xx while it is busy, or nothing at
all. Those are retried with backoff; a refused login (401/403) or any other 4xx is not, because
sending the same request again cannot help. ``sleep`` is injectable so tests do not wait.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# (connect, read) seconds: a shop that does not answer within these is treated as down.
TIMEOUT = (10.0, 60.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The longest single wait we accept from a Retry-After header; a shop asking for more is
# treated as unavailable rather than blocking a worker for hours.
MAX_RETRY_AFTER = 300.0


class ApiError(Exception):
    """The shop's API could not be used; the message is meant for the user."""


class ApiAuthError(ApiError):
    """The shop refused our credentials (HTTP 401 or 403)."""


class ApiUnavailable(ApiError):
    """The shop did not answer usefully after all retries (timeouts, 429 or 5xx)."""


@dataclass
class RetryPolicy:
    """How often and how long to retry; ``sleep`` is injectable for tests."""

    attempts: int = 6
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_backoff: float = 60.0
    sleep: Callable[[float], None] = field(default=lambda seconds: _real_sleep(seconds))


def _real_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number (Shopify sends "2.0") or a date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None
        seconds = (moment - timezone.now()).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def parse_json(response: requests.Response) -> Any:
    """The response body as JSON; fractions become Decimal, as the webhook parser reads them."""
    try:
        return json.loads(response.content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ApiError(
            _("The shop's API answered %(url)s with something that is not JSON.")
            % {"url": _short_url(response.url)}
        ) from None


def _short_url(url: str) -> str:
    return url.split("?", 1)[0]


def _error_detail(response: requests.Response) -> str:
    """The shop's own error message where it sends one (all three platforms use JSON)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        if isinstance(body.get("errors"), str):
            return body["errors"]  # Shopify
        if isinstance(body.get("message"), str):
            return body["message"]  # WooCommerce
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail") or errors[0].get("title") or "")  # Shopware
    return ""


class ApiSession:
    """A ``requests`` session with timeouts, retries and the errors above.

    ``on_response`` lets a platform client look at every answer (Shopify's call-limit header).
    """

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        on_response: Callable[[requests.Response], None] | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.on_response = on_response
        self.requests_made = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
    ) -> requests.Response:
        """Send one request, retrying 429, 5xx and network errors; raise ApiError otherwise."""
        delay = self.retry.backoff
        last_problem = ""
        tries = 0
        for attempt in range(1, self.retry.attempts + 1):
            tries = attempt
            try:
                self.requests_made += 1
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=dict(headers or {}),
                    auth=auth,
                    timeout=TIMEOUT,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                last_problem = _("no answer (%(error)s)") % {"error": type(error).__name__}
                wait = delay
            else:
                if self.on_response is not None:
                    self.on_response(response)
                if response.status_code < 300:
                    return response
                if response.status_code < 400:
                    # Not followed: requests would carry Shopify's token header to any host
                    # the redirect names. The user enters the final address instead.
                    raise ApiError(
                        _(
                            "The shop's API at %(url)s redirects to %(location)s; enter that "
                            "address as the API base URL."
                        )
                        % {
                            "url": _short_url(url),
                            "location": _short_url(response.headers.get("Location", "?")),
                        }
                    )
                if response.status_code in (401, 403):
                    detail = _error_detail(response)
                    raise ApiAuthError(
                        _("The shop's API refused the credentials (HTTP %(status)s)%(detail)s.")
                        % {
                            "status": response.status_code,
                            "detail": f": {detail}" if detail else "",
                        }
                    )
                if response.status_code not in RETRY_STATUSES:
                    detail = _error_detail(response)
                    raise ApiError(
                        _("The shop's API answered HTTP %(status)s for %(url)s%(detail)s.")
                        % {
                            "status": response.status_code,
                            "url": _short_url(url),
                            "detail": f": {detail}" if detail else "",
                        }
                    )
                last_problem = f"HTTP {response.status_code}"
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                if asked is not None and asked > MAX_RETRY_AFTER:
                    break
                # Honour the shop's own wait; without one, back off exponentially.
                wait = asked if asked is not None else delay
            if attempt == self.retry.attempts:
                break
            logger.info(
                "shop API %s: %s, retry %d in %.1fs", _short_url(url), last_problem, attempt, wait
            )
            self.retry.sleep(wait)
            delay = min(delay * 2, self.retry.max_backoff)
        raise ApiUnavailable(
            _(
                "The shop's API at %(url)s did not answer usefully after %(attempts)d tries "
                "(%(problem)s)."
            )
            % {"url": _short_url(url), "attempts": tries, "problem": last_problem}
        )
