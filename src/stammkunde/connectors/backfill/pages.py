"""What every platform's API client hands the backfill: one page of order objects at a time.

A cursor is an opaque string the client understands: "" asks for the first page, and each page
names the cursor of the next one ("" after the last). The backfill saves it after every page,
so an interrupted run asks for exactly the page it did not finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.utils.translation import gettext as _

from stammkunde.connectors.backfill.http import ApiError


@dataclass(frozen=True)
class OrderPage:
    orders: list[dict[str, Any]]
    next_cursor: str  # "" when this was the last page
    total: int | None = None  # orders matching the whole query, where the API says


@dataclass(frozen=True)
class OrderQuery:
    """Which orders to fetch: created since (backfill ``--since``) and/or updated since
    (reconciliation). Both None means every order the shop has."""

    created_since: datetime | None = None
    updated_since: datetime | None = None


class OrderClient(Protocol):
    platform: str

    def fetch_orders(self, cursor: str, query: OrderQuery) -> OrderPage: ...


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with an explicit offset, as all three APIs accept it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def order_objects(value: Any, what: str) -> list[dict[str, Any]]:
    """The list of order objects in an API answer, or ApiError when the shape is wrong."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ApiError(
            _("The shop's API answer has no list of orders in '%(what)s'.") % {"what": what}
        )
    return value


def page_number(cursor: str) -> int:
    """The page a numbered cursor names ("" is page 1)."""
    if not cursor:
        return 1
    if not cursor.isdigit() or int(cursor) < 1:
        raise ApiError(
            _("The saved position '%(cursor)s' is not a page number.") % {"cursor": cursor[:40]}
        )
    return int(cursor)
