"""The GDPR registry: each app names how it exports and erases one customer's data.

Apps register in ``AppConfig.ready()`` (``register_export``, ``register_erasure`` and, where the
app keeps records the law requires or work that must finish first, ``register_erasure_check``).
The export and the erasure (``customers.privacy.export`` and ``.erasure``) walk the registry, so
a lower app never imports a higher one and a new app (the service desk, messaging) only
registers its handlers. ``tests/core/test_gdpr_registry.py`` fails when an app whose models
point at a customer has not registered both handlers.

Handlers take plain values and return JSON-ready data:

- export: ``fn(customer_id) -> dict`` of lists/dicts of plain values (what the app holds);
- erasure: ``fn(request: ErasureRequest) -> dict[str, int]`` counts of what was erased,
  pseudonymized or kept; it must keep whatever ``request.keep`` names for its app
  (records under a retention duty) and never delete consent proofs or audit rows;
- erasure check: ``fn(customer_id, today, shop_id=None) -> ErasureCheck``: reasons to defer
  (an open order, an open case) and retention duties (orders: 8 years from the end of the
  calendar year).

A shop's redact request for a person who is a customer of other shops too erases only that
shop's part (``ErasureRequest.shop_id``, and ``shop_id`` passed to the checks): its accounts,
its orders' personal fields, its timeline entries, its cases, its raw payloads. An app with
nothing of a shop's own (the profile, scores recomputed nightly, the audit trail) leaves the
person as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ExportHandler = Callable[[int], dict[str, Any]]

# German retention duties (since 1 January 2025, BEG IV: accounting vouchers 8 instead of 10 years).
# Each: (years, legal basis, basis token for the readable label).
ACCOUNTING_VOUCHERS = (8, "HGB §257 (1) Nr. 4, (4); AO §147 (1) Nr. 4, (3)")
BUSINESS_LETTERS = (6, "HGB §257 (1) Nr. 2-3, (4); AO §147 (1) Nr. 2-3, (3)")


@dataclass(frozen=True)
class RetentionDuty:
    """Records the law says to keep: what (a token), why (the legal basis) and until when."""

    app_label: str
    what: str
    basis: str
    years: int
    until: date
    count: int = 0
    # The day the first of the kept records' own period ends (``until`` is the last one's): the
    # daily job erases each record when its own period is over, not only after the last one.
    first_until: date | None = None


@dataclass(frozen=True)
class Obstacle:
    """Why erasure cannot happen now (an open order, an open case); ``params`` name it."""

    app_label: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ErasureCheck:
    """What one app says before an erasure: obstacles (defer) and retention duties (keep)."""

    obstacles: tuple[Obstacle, ...] = ()
    duties: tuple[RetentionDuty, ...] = ()


@dataclass(frozen=True)
class ErasureRequest:
    """One erasure as the handlers see it.

    ``keep`` holds the retention duties of all apps; a handler keeps the records its own duties
    name (``keeps(app_label, what)``) and erases or pseudonymizes everything else.
    ``request_id`` is the erasure record's id, for dedupe keys and audit details.
    """

    customer_id: int
    request_id: int
    keep: tuple[RetentionDuty, ...] = ()
    by: Any = None
    today: date | None = None  # the day retention is judged on (tests set it; None: today)
    # Only this shop's part (its redact request; the person stays a customer of other shops).
    shop_id: int | None = None

    def keeps(self, app_label: str, what: str) -> RetentionDuty | None:
        """The duty that keeps ``what`` of ``app_label``, or None when it may go."""
        for duty in self.keep:
            if duty.app_label == app_label and duty.what == what:
                return duty
        return None


ErasureHandler = Callable[[ErasureRequest], dict[str, int]]
# fn(customer_id, today, shop_id=None): with a shop, only that shop's obstacles and duties.
ErasureCheckHandler = Callable[..., ErasureCheck]

_exports: dict[str, ExportHandler] = {}
_erasures: dict[str, ErasureHandler] = {}
_checks: dict[str, ErasureCheckHandler] = {}


def register_export(app_label: str, fn: ExportHandler) -> None:
    """Name ``fn`` as the function that returns what ``app_label`` holds about a customer.

    Registering again replaces (``ready()`` may run twice in tests).
    """
    _exports[app_label] = fn


def register_erasure(app_label: str, fn: ErasureHandler) -> None:
    """Name ``fn`` as the function that erases what ``app_label`` holds about a customer."""
    _erasures[app_label] = fn


def register_erasure_check(app_label: str, fn: ErasureCheckHandler) -> None:
    """Name ``fn`` as the function that says what stops or limits an erasure in ``app_label``."""
    _checks[app_label] = fn


def export_handlers() -> dict[str, ExportHandler]:
    """The registered export handlers by app label, in registration order."""
    return dict(_exports)


def erasure_handlers() -> dict[str, ErasureHandler]:
    """The registered erasure handlers by app label, in registration order (the layer order of
    ``INSTALLED_APPS``, lower apps first)."""
    return dict(_erasures)


def erasure_checks() -> dict[str, ErasureCheckHandler]:
    """The registered erasure checks by app label."""
    return dict(_checks)


def end_of_retention(start: date, years: int) -> date:
    """The last day a record from ``start`` must be kept: German retention periods (HGB §257,
    AO §147) run from the end of the calendar year the record was made in."""
    return date(start.year + years, 12, 31)
