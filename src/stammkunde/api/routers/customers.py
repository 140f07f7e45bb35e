"""Customers: search, read, upsert, merge."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from stammkunde.api.auth import actor, not_found, require, shop_for, shop_limit
from stammkunde.api.errors import COMMON_ERRORS, CONFLICT, NOT_FOUND
from stammkunde.api.models import Scope
from stammkunde.api.paging import MAX_ID, Paging
from stammkunde.api.schemas import (
    CustomerOut,
    CustomerPage,
    CustomerUpsert,
    CustomerUpserted,
    MergeIn,
)
from stammkunde.customers.merging import MergeError, merge_customers
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.queries import (
    current_consents,
    customer_for_staff,
    customers_page,
    find_by_email,
    record_list_view,
    resolve_merged,
)
from stammkunde.customers.services.errors import CustomerConflict, CustomerError
from stammkunde.shop.queries import search_customers
from stammkunde.shop.services import NotInShops
from stammkunde.shop.services import upsert_customer as save_customer
from stammkunde.shop.visibility import (
    customer_in_shops,
    customer_only_in_shops,
    customers_of_shops,
    visible_customer_ids,
)

router = Router(tags=["customers"])


def customer_out(
    customer: Customer, *, shops: list[int] | None, resolved_from: int | None = None
) -> dict:
    """The customer as the API shows it; ``shops``: the token's shops (``shop_limit``), whose
    accounts alone it lists (a bound token learns nothing of the customer's other shops)."""
    accounts = customer.shop_accounts.select_related("shop").order_by("id")
    if shops is not None:
        accounts = accounts.filter(shop_id__in=shops)
    return {
        **{
            field: getattr(customer, field)
            for field in CustomerOut.model_fields
            if hasattr(customer, field)
        },
        "tags": [tag.name for tag in customer.tags.all()],
        "shop_accounts": [
            {"shop": account.shop.slug, "external_id": account.external_id} for account in accounts
        ],
        "addresses": list(customer.addresses.all()),
        "consents": current_consents(customer.pk),
        "resolved_from": resolved_from,
    }


def _no_customer(customer_id: int) -> str:
    return _("There is no customer with id %(id)s.") % {"id": customer_id}


def _get_customer(
    request: HttpRequest, customer_id: int, *, by: object = None, detail: str = ""
) -> tuple[Customer, int | None]:
    """The customer, or the survivor when ``customer_id`` was merged away (then its id too).

    With ``by`` the customer's data is read for the caller: the query writes the audit row.
    A token bound to a shop finds only that shop's customers; another one is a 404 as if it
    did not exist (and the probe is noted in the audit log).
    """
    surviving_id = resolve_merged(customer_id)
    if not customer_in_shops(surviving_id, shop_limit(request)):
        if Customer.objects.filter(pk=surviving_id).exists():
            raise not_found(request, "customers.customer", customer_id, _no_customer(customer_id))
        raise HttpError(404, _no_customer(customer_id))
    if by is not None:
        customer = customer_for_staff(surviving_id, by=by, detail=detail)
    else:
        customer = Customer.objects.filter(pk=surviving_id).first()
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise HttpError(404, _no_customer(customer_id))
    return customer, (customer_id if surviving_id != customer_id else None)


@router.get(
    "/customers",
    response={200: CustomerPage, **COMMON_ERRORS},
    summary="Search or list customers",
)
def list_customers(
    request: HttpRequest,
    paging: Query[Paging],
    q: str = Query("", max_length=200, description="Name, e-mail, phone prefix or order number"),
    email: str = Query("", max_length=254, description="Exact e-mail (also of merged customers)"),
):
    require(request, Scope.CUSTOMERS_READ)
    q = q.replace("\x00", "").strip()
    by = actor(request)
    shops = shop_limit(request)
    if email:
        found = find_by_email(email.replace("\x00", ""))
        customers = [found] if found is not None and paging.offset == 0 else []
        if shops is not None:
            visible = visible_customer_ids([customer.pk for customer in customers], shops)
            customers = [customer for customer in customers if customer.pk in visible]
        record_list_view([c.pk for c in customers], by=by, detail="api search")
    elif q:
        customers = search_customers(
            q, by=by, offset=paging.offset, limit=paging.limit, shop_ids=shops
        )
    else:
        customers = customers_page(
            by=by,
            offset=paging.offset,
            limit=paging.limit,
            detail="api list",
            only=None if shops is None else customers_of_shops(shops),
        )
    more = len(customers) > paging.limit
    customers = customers[: paging.limit]
    return {
        "items": customers,
        "limit": paging.limit,
        "offset": paging.offset,
        "next_offset": paging.offset + paging.limit if more else None,
    }


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerOut, **COMMON_ERRORS, **NOT_FOUND},
    summary="Read one customer (a merged-away id answers with the survivor)",
)
def get_customer(request: HttpRequest, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.CUSTOMERS_READ)
    customer, resolved_from = _get_customer(
        request, customer_id, by=actor(request), detail="api read"
    )
    return customer_out(customer, shops=shop_limit(request), resolved_from=resolved_from)


@router.put(
    "/customers",
    response={
        200: CustomerUpserted,
        201: CustomerUpserted,
        **COMMON_ERRORS,
        **NOT_FOUND,
        **CONFLICT,
    },
    summary="Create or update a customer by shop customer id or e-mail",
)
def upsert_customer(request: HttpRequest, data: CustomerUpsert):
    require(request, Scope.CUSTOMERS_WRITE)
    by = actor(request)
    fields = data.model_dump(exclude_unset=True, exclude={"shop", "external_id"})
    fields = {
        name: ("" if value is None and name not in ("email", "birthday") else value)
        for name, value in fields.items()
    }
    external_id = data.external_id or ""
    shop = shop_for(request, data.shop) if external_id or data.shop else None
    try:
        customer, created = save_customer(
            shop=shop, external_id=external_id, by=by, fields=fields, within=shop_limit(request)
        )
    except NotInShops as refused:
        raise not_found(
            request,
            "customers.customer",
            refused.customer_id,
            _("There is no such customer in this shop."),
        ) from None
    except CustomerConflict as exc:
        raise HttpError(409, str(exc)) from None
    except CustomerError as exc:
        raise HttpError(400, str(exc)) from None
    customer.refresh_from_db()
    body = {"created": created, "customer": customer_out(customer, shops=shop_limit(request))}
    return Status(201 if created else 200, body)


@router.post(
    "/customers/{customer_id}/merge",
    response={200: CustomerOut, **COMMON_ERRORS, **NOT_FOUND, **CONFLICT},
    summary="Merge another customer into this one",
)
def merge_into(request: HttpRequest, data: MergeIn, customer_id: int = Path(..., ge=1, le=MAX_ID)):
    require(request, Scope.CUSTOMERS_MERGE)
    survivor = Customer.objects.filter(pk=customer_id).first()
    merged = Customer.objects.filter(pk=data.merged_id).first()
    if survivor is None or merged is None:
        missing = customer_id if survivor is None else data.merged_id
        raise HttpError(404, _no_customer(missing))
    shops = shop_limit(request)
    # A merge moves every shop's orders and accounts: a token bound to a shop merges only
    # customers of none but its shop (one shared with another shop is as if it did not exist).
    for customer in (survivor, merged):
        if not customer_only_in_shops(customer.pk, shops):
            raise not_found(request, "customers.customer", customer.pk, _no_customer(customer.pk))
    try:
        survivor = merge_customers(survivor, merged, by=actor(request))
    except MergeError as exc:
        raise HttpError(409, str(exc)) from None
    return customer_out(survivor, shops=shops)
