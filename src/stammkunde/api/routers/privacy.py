"""GDPR: a customer's data export (Art. 15/20) and erasure (Art. 17), scope customers:privacy."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from stammkunde.api.auth import actor, not_found, require, shop_limit
from stammkunde.api.errors import COMMON_ERRORS, NOT_FOUND
from stammkunde.api.models import Scope
from stammkunde.api.paging import MAX_ID
from stammkunde.customers.models import PrivacyRequestChannel
from stammkunde.customers.privacy.erasure import request_erasure
from stammkunde.customers.privacy.export import export_customer_data
from stammkunde.customers.privacy.requests import PrivacyError
from stammkunde.shop.visibility import customer_in_shops, customer_only_in_shops

router = Router(tags=["privacy"])


class ErasureOut(Schema):
    request_id: int
    customer_id: int
    state: str
    obstacles: list[dict[str, Any]]
    retention_duties: list[dict[str, Any]]
    restricted_until: date | None
    summary: dict[str, Any]


def _not_found(customer_id: int) -> HttpError:
    return HttpError(404, _("There is no customer with id %(id)s.") % {"id": customer_id})


def _check_shop(request: HttpRequest, customer_id: int) -> None:
    """A token bound to a shop exports and erases only that shop's customers, and only those of
    no other shop (404 otherwise; the probe is audited)."""
    if not customer_in_shops(customer_id, shop_limit(request)):
        message = _("There is no customer with id %(id)s.") % {"id": customer_id}
        raise not_found(request, "customers.customer", customer_id, message)
    # The export and the erasure are of the whole person: a customer who also bought in
    # another shop is not one shop's to export or erase (a token of all shops answers).
    if not customer_only_in_shops(customer_id, shop_limit(request)):
        message = _(
            "Customer %(id)s belongs to other shops too; a token of all shops answers this."
        ) % {"id": customer_id}
        raise not_found(request, "customers.customer", customer_id, message)


@router.get(
    "/customers/{customer_id}/gdpr-export",
    response={200: dict[str, Any], **COMMON_ERRORS, **NOT_FOUND},
    summary="Everything held about a customer, as one JSON document (Art. 15/20 GDPR)",
)
def gdpr_export(request: HttpRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.PRIVACY)
    _check_shop(request, customer_id)
    try:
        return export_customer_data(
            customer_id, by=actor(request), channel=PrivacyRequestChannel.API
        )
    except PrivacyError:
        raise _not_found(customer_id) from None


@router.post(
    "/customers/{customer_id}/erasure",
    response={200: ErasureOut, **COMMON_ERRORS, **NOT_FOUND},
    summary="Erase a customer's personal data (Art. 17 GDPR): done, restricted or deferred",
)
def gdpr_erasure(request: HttpRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.PRIVACY)
    _check_shop(request, customer_id)
    try:
        record = request_erasure(customer_id, by=actor(request), channel=PrivacyRequestChannel.API)
    except PrivacyError:
        raise _not_found(customer_id) from None
    return {
        "request_id": record.pk,
        "customer_id": record.customer_id,
        "state": record.state,
        "obstacles": record.obstacles,
        "retention_duties": record.duties,
        "restricted_until": record.restricted_until,
        "summary": record.summary,
    }
