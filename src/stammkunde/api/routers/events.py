"""Shop events in the generic JSON format, stored in the webhook inbox like any delivery."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router, Status
from ninja.errors import HttpError

from stammkunde.api.auth import require, shop_for
from stammkunde.api.errors import COMMON_ERRORS, NOT_FOUND
from stammkunde.api.models import Scope
from stammkunde.api.schemas import EventAccepted
from stammkunde.connectors.inbox import receive
from stammkunde.connectors.platforms import PayloadError

router = Router(tags=["events"])


@router.post(
    "/events",
    response={202: EventAccepted, **COMMON_ERRORS, **NOT_FOUND},
    summary="Post one shop event (generic JSON format); processed in the background",
)
def post_event(
    request: HttpRequest,
    payload: dict[str, Any] = Body(  # noqa: B008 (ninja declares parameters this way)
        ..., description="One event in the shop's format (generic JSON: see docs/WEBHOOKS.md)."
    ),
    shop: str = Query(
        "", max_length=50, description="Short name of the shop (unless the token has one)"
    ),
):
    require(request, Scope.EVENTS_WRITE)
    target = shop_for(request, shop)
    try:
        delivery = receive(target, request.headers, request.body, verified=True, source="api")
    except PayloadError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(
        202,
        {"delivery_id": delivery.pk, "event_id": delivery.delivery_id, "state": delivery.state},
    )
