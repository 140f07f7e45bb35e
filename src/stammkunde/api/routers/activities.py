"""A customer's timeline: read it, add a note."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from stammkunde.api.auth import actor, require, shop_limit
from stammkunde.api.errors import COMMON_ERRORS, NOT_FOUND
from stammkunde.api.models import Scope
from stammkunde.api.paging import MAX_ID
from stammkunde.api.routers.customers import _get_customer
from stammkunde.api.schemas import ActivityOut, ActivityPage, NoteIn
from stammkunde.core.ids import parse_id
from stammkunde.customers.services.contacts import add_note
from stammkunde.customers.services.errors import CustomerError
from stammkunde.timeline.models import Activity
from stammkunde.timeline.queries import timeline_page

router = Router(tags=["activities"])


def activity_out(activity: Activity) -> dict:
    """An entry as the API shows it: its facts (kind, params) and its line in the request's
    language (``summary``, from the Accept-Language header)."""
    return {
        "id": activity.pk,
        "customer_id": activity.customer_id,
        "kind": activity.kind,
        "channel": activity.channel,
        "direction": activity.direction,
        "occurred_at": activity.occurred_at,
        "actor": activity.actor_name,
        "params": activity.params,
        "summary": activity.summary,
        "body": activity.body,
    }


def _cursor(raw: str) -> tuple[datetime, int] | None:
    at_text, _sep, pk_text = raw.rpartition("_")
    try:
        at = parse_datetime(at_text)
    except ValueError:
        return None
    pk = parse_id(pk_text)
    if at is None or at.tzinfo is None or pk is None:
        return None
    try:
        # Our cursors are times of stored entries; year 1 at +14:00 has no UTC time at all.
        at.astimezone(UTC)
    except OverflowError:
        return None
    return at, pk


@router.get(
    "/customers/{customer_id}/activities",
    response={200: ActivityPage, **COMMON_ERRORS, **NOT_FOUND},
    summary="Read a customer's timeline, newest first",
)
def list_activities(
    request: HttpRequest,
    customer_id: int = Path(..., ge=1, le=MAX_ID),
    limit: int = Query(50, ge=1, le=100),
    before: str = Query("", max_length=64, description="``next_cursor`` of the previous page"),
):
    require(request, Scope.ACTIVITIES_READ)
    customer, _resolved = _get_customer(
        request, customer_id, by=actor(request), detail="api timeline"
    )
    cursor = _cursor(before) if before else None
    if before and cursor is None:
        raise HttpError(400, _("The cursor “before” is not valid; pass a next_cursor as it came."))
    # A token bound to a shop sees the customer's entries of that shop and about the person.
    entries = timeline_page(customer.pk, shop_ids=shop_limit(request), before=cursor, limit=limit)
    last = entries[-1] if len(entries) == limit else None
    return {
        "items": [activity_out(entry) for entry in entries],
        "next_cursor": f"{last.occurred_at.isoformat()}_{last.pk}" if last else None,
    }


@router.post(
    "/customers/{customer_id}/notes",
    response={201: ActivityOut, **COMMON_ERRORS, **NOT_FOUND},
    summary="Add a note to a customer's timeline",
)
def post_note(request: HttpRequest, data: NoteIn, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.ACTIVITIES_WRITE)
    customer, _resolved = _get_customer(request, customer_id)
    by = actor(request)
    try:
        note = add_note(customer, by=by, text=data.text)
    except CustomerError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201, activity_out(note))
