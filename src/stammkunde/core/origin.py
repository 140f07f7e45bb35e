"""Where a change came from: a live webhook, the API, staff, a backfill, an import, the demo ...

Every domain event carries its origin, so that a subscriber can tell a fact that happens now
(an order placed a minute ago, arriving by webhook) from history (the same order read back
from 2023 by a backfill, a CSV import or the demo generator). A subscriber that sends mail
ignores history (:func:`is_history`): an "order received" mail for a three-year-old order is
the pestering this product exists to prevent.

The origin is set once where a path enters the system, not passed through every service: the
inbox task, the backfill run, the importer, the demo generator and the request middleware
(API or staff) open :func:`event_origin`, and :func:`stammkunde.core.events.publish` reads
:func:`current_origin`. Outside any of them the origin is ``system``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    WEBHOOK = "webhook", _("Live webhook")
    API = "api", _("REST API")
    STAFF = "staff", _("Staff")
    BACKFILL = "backfill", _("Backfill")
    RECONCILIATION = "reconciliation", _("Reconciliation")
    IMPORT = "import", _("CSV import")
    DEMO = "demo", _("Demo data")
    SYSTEM = "system", _("System")
    CUSTOMER = "customer", _("Customer")


# Origins whose events describe the past as it is read in, not something happening now.
# Reconciliation is not among them: it catches orders a webhook missed minutes ago.
HISTORY_ORIGINS = frozenset({Origin.BACKFILL, Origin.IMPORT, Origin.DEMO})


def is_history(origin: str) -> bool:
    """True for events read in from the past (backfill, import, demo): never mail on them."""
    return origin in HISTORY_ORIGINS


_current: ContextVar[str] = ContextVar("stammkunde_event_origin", default=Origin.SYSTEM.value)


def current_origin() -> str:
    """The origin of whatever this thread is doing now (``system`` when nobody said)."""
    return _current.get()


@contextlib.contextmanager
def event_origin(origin: str) -> Iterator[None]:
    """Publish the events of the enclosed code with ``origin``; nests, and restores on exit."""
    token = _current.set(Origin(origin).value)
    try:
        yield
    finally:
        _current.reset(token)


# Requests under this path are the REST API; every other request that changes something is a
# staff member working in the UI (the webhook endpoints only store deliveries: the inbox task
# publishes their events with the origin ``webhook``).
API_PATH_PREFIX = "/api/"
# Pages customers open themselves: the links in mails (unsubscribe, confirm, preferences) and
# the public help page with its case form. What they change is the customer's own doing.
CUSTOMER_PATH_PREFIXES = ("/m/", "/help/")


class OriginMiddleware:
    """Run each request with the origin ``api``, ``customer`` or ``staff``, by its path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PATH_PREFIX):
            origin = Origin.API
        elif path.startswith(CUSTOMER_PATH_PREFIXES):
            origin = Origin.CUSTOMER
        else:
            origin = Origin.STAFF
        with event_origin(origin):
            return self.get_response(request)
