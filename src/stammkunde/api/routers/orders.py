"""Orders: read and upsert (through the same service as the shop connectors)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from stammkunde.api.auth import actor, not_found, require, shop_for, shop_limit
from stammkunde.api.errors import COMMON_ERRORS, NOT_FOUND
from stammkunde.api.models import Scope
from stammkunde.api.paging import MAX_ID, Paging
from stammkunde.api.schemas import OrderOut, OrderPage, OrderUpsert, OrderUpserted
from stammkunde.customers.queries import resolve_merged
from stammkunde.customers.services.errors import CustomerError
from stammkunde.shop.models import Order
from stammkunde.shop.services import (
    Buyer,
    LineInput,
    OrderError,
    OrderInput,
    record_order_views,
    upsert_order_for_buyer,
)
from stammkunde.shop.visibility import limit_orders

router = Router(tags=["orders"])


def _visible_orders(request: HttpRequest) -> QuerySet[Order]:
    orders = Order.objects.select_related("shop").prefetch_related("lines")
    return limit_orders(orders, shop_limit(request))


def order_out(order: Order) -> dict:
    return {
        **{
            name: getattr(order, name)
            for name in OrderOut.model_fields
            if name not in ("shop", "lines")
        },
        "shop": order.shop.slug,
        "lines": list(order.lines.all()),
    }


def _audit_orders(request: HttpRequest, orders: list[Order]) -> None:
    record_order_views(orders, by=actor(request))


@router.get("/orders", response={200: OrderPage, **COMMON_ERRORS}, summary="List orders")
def list_orders(
    request: HttpRequest,
    paging: Query[Paging],
    customer_id: int | None = Query(None, ge=1, le=MAX_ID, description="Orders of this customer"),
    shop: str = Query("", max_length=50, description="Short name of a shop"),
):
    require(request, Scope.ORDERS_READ)
    orders = _visible_orders(request)
    if customer_id is not None:
        orders = orders.filter(customer_id=resolve_merged(customer_id))
    if shop:
        orders = orders.filter(shop__slug=shop)
    page = list(
        orders.order_by("-placed_at", "-id")[paging.offset : paging.offset + paging.limit + 1]
    )
    more = len(page) > paging.limit
    page = page[: paging.limit]
    _audit_orders(request, page)
    return {
        "items": [order_out(order) for order in page],
        "limit": paging.limit,
        "offset": paging.offset,
        "next_offset": paging.offset + paging.limit if more else None,
    }


@router.get(
    "/orders/{order_id}",
    response={200: OrderOut, **COMMON_ERRORS, **NOT_FOUND},
    summary="Read one order",
)
def get_order(request: HttpRequest, order_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.ORDERS_READ)
    order = _visible_orders(request).filter(pk=order_id).first()
    if order is None:
        message = _("There is no order with id %(id)s.") % {"id": order_id}
        if shop_limit(request) is not None and Order.objects.filter(pk=order_id).exists():
            raise not_found(request, "shop.order", order_id, message)
        raise HttpError(404, message)
    _audit_orders(request, [order])
    return order_out(order)


@router.put(
    "/orders",
    response={200: OrderUpserted, 201: OrderUpserted, **COMMON_ERRORS, **NOT_FOUND},
    summary="Create or update an order by shop and external id",
)
def put_order(request: HttpRequest, data: OrderUpsert):
    require(request, Scope.ORDERS_WRITE)
    by = actor(request)
    shop = shop_for(request, data.shop)
    order_input = OrderInput(
        external_id=data.external_id,
        placed_at=data.placed_at,
        lines=[
            LineInput(
                name=line.name, quantity=line.quantity, unit_price=line.unit_price, sku=line.sku
            )
            for line in data.lines
        ],
        number=data.number,
        currency=data.currency.upper(),
        email=data.email,
        status=data.status,
        shipping_total=data.shipping_total,
        discount_total=data.discount_total,
        tax_total=data.tax_total,
        is_test=data.is_test,
        source_updated_at=data.source_updated_at,
        billing_address=data.billing_address,
        shipping_address=data.shipping_address,
    )
    person = data.customer
    buyer = Buyer(
        external_id=person.external_id if person and person.external_id else "",
        email=(person.email if person and person.email else data.email) or "",
        first_name=person.first_name if person else "",
        last_name=person.last_name if person else "",
    )
    try:
        order, created = upsert_order_for_buyer(shop, order_input, buyer=buyer, by=by)
    except (OrderError, CustomerError) as exc:
        raise HttpError(400, str(exc)) from None
    order = _visible_orders(request).get(pk=order.pk)
    return Status(201 if created else 200, {"created": created, "order": order_out(order)})
