"""The writes the REST API asks for: a customer, or an order, named by a shop's customer id
and/or an e-mail address.

Each in one transaction: the customer is matched as every path matches a buyer
(``customers.matching``), created or changed through ``customers.services`` (which write the
timeline and audit entries), a shop id seen for the first time is linked to it, and the order
goes through ``upsert_order`` like a webhook's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.customers.matching import match_customer
from stammkunde.customers.models import Customer, CustomerStatus
from stammkunde.customers.services.errors import CustomerConflict
from stammkunde.customers.services.profile import create_customer, update_customer
from stammkunde.shop.models import Order, Shop
from stammkunde.shop.services.customer_batch import link_shop_accounts
from stammkunde.shop.services.orders import OrderInput, resolve_customer
from stammkunde.shop.services.upserting import upsert_order
from stammkunde.shop.visibility import customer_in_shops


class NotInShops(Exception):
    """The customer found belongs to none of the shops the caller is limited to."""

    def __init__(self, customer_id: int):
        super().__init__(customer_id)
        self.customer_id = customer_id


@transaction.atomic
def upsert_customer(
    *,
    shop: Shop | None,
    external_id: str,
    by: Any,
    fields: dict[str, Any],
    within: Collection[int] | None = None,
) -> tuple[Customer, bool]:
    """Find the customer by ``shop``'s ``external_id``, else by ``fields["email"]``; create one
    when neither matches, else change the ``fields`` sent. Return it and whether it is new.

    Raises CustomerConflict for an erased customer or an e-mail another customer has, and
    CustomerError for invalid values. ``within`` (a token bound to a shop): an existing customer
    must belong to one of these shops, else NotInShops, and nothing is written.
    """
    shop_id = shop.pk if shop is not None and external_id else None
    customer_id = match_customer(shop_id, external_id if shop_id else "", fields.get("email"))
    if customer_id is not None and not customer_in_shops(customer_id, within):
        raise NotInShops(customer_id)
    created = customer_id is None
    if created:
        customer = create_customer(by=by, source=str(by), **fields)
    else:
        customer = Customer.objects.get(pk=customer_id)
        if customer.status != CustomerStatus.ACTIVE:
            raise CustomerConflict(_("This customer was erased and cannot be changed."))
        # An e-mail that found this customer (maybe through a merge) is not a change.
        if "email" in fields and match_customer(None, email=fields["email"]) == customer.pk:
            fields = {name: value for name, value in fields.items() if name != "email"}
        customer = update_customer(customer, by=by, **fields)
    if shop is not None and external_id:
        link_shop_accounts(shop, {external_id: customer.pk})
    return customer, created


@dataclass(frozen=True)
class Buyer:
    """How a caller names an order's buyer (either id or e-mail may be empty)."""

    external_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""


@transaction.atomic
def upsert_order_for_buyer(
    shop: Shop, data: OrderInput, *, buyer: Buyer, by: Any
) -> tuple[Order, bool]:
    """``upsert_order`` for a buyer named by the shop's customer id and/or e-mail (found or
    created by ``resolve_customer``), recorded in the audit log as done ``by`` the integration
    (or staff user) that sent it."""
    customer = None
    if buyer.external_id or buyer.email:
        customer = resolve_customer(
            shop,
            external_id=buyer.external_id,
            email=buyer.email,
            first_name=buyer.first_name,
            last_name=buyer.last_name,
            source=str(by),
        )
    order, created = upsert_order(shop, data, customer=customer, actor_label=str(by))
    audit(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=order,
        customer_id=order.customer_id,
    )
    return order, created
