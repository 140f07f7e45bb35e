"""The request an audited read or change happens in, so services need not be handed its address.

``AuditContextMiddleware`` keeps the client address of each request in a context variable;
``audit.services.audit`` writes it on every row made while the request runs. Jobs and commands
run outside any request and record no address.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from stammkunde.core.client_address import client_address as request_client_address

_client_address: ContextVar[str | None] = ContextVar("stammkunde_audit_address", default=None)
# The customers whose data this request already recorded as read (actor label, customer id ->
# the entry): a page is audited once per customer, however many of its parts read them.
_page_views: ContextVar[dict | None] = ContextVar("stammkunde_audit_page_views", default=None)


def page_views() -> dict | None:
    """The VIEW entries this request wrote so far, or None outside a request."""
    return _page_views.get()


def current_client_address() -> str | None:
    """The client address of the request being served, or None outside a request."""
    return _client_address.get()


@contextlib.contextmanager
def client_address(address: str | None) -> Iterator[None]:
    """Record ``address`` on the audit rows written inside; nests and restores on exit."""
    token = _client_address.set(address or None)
    views = _page_views.set({})
    try:
        yield
    finally:
        _page_views.reset(views)
        _client_address.reset(token)


class AuditContextMiddleware:
    """Serve each request with its client address known to the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with client_address(request_client_address(request)):
            return self.get_response(request)
