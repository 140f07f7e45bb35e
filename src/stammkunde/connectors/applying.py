"""Applying normalized shop events to the shop and customer tables.

``apply_events`` runs all events of one delivery in one transaction through the shop and
customer services (which write the timeline entries and publish the domain events), so a
delivery is applied whole or not at all. It is idempotent: orders are upserted by the shop's
id and ignored when older than what we hold (``Order.source_updated_at``), shipments, refunds,
returns and withdrawals are found again by the shop's id, consent is recorded only when it
changes. Data that cannot be applied raises ``ApplyError``; the inbox parks the delivery with
its message and retries it (an event for an order not received yet succeeds later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.connectors import normalized as ev
from stammkunde.connectors.shop_inputs import effective_status, order_input_for, valid_email
from stammkunde.customers.matching import match_customer
from stammkunde.customers.models import ConsentChannel, Customer, PrivacyRequestChannel
from stammkunde.customers.privacy.erasure import request_erasure
from stammkunde.customers.privacy.export import export_customer_data
from stammkunde.customers.services.errors import CustomerError
from stammkunde.customers.services.privacy_records import record_privacy_request
from stammkunde.customers.shop_data import record_shop_consent, update_customer_from_shop
from stammkunde.shop.models import Order, Shipment, Shop
from stammkunde.shop.queries import shop_account
from stammkunde.shop.services import (
    OrderError,
    cancel_order,
    customers_of_shop,
    mark_account_updated,
    record_account_deleted,
    record_delivery,
    record_refund,
    record_return,
    record_shipment,
    record_withdrawal,
    resolve_customer,
    upsert_order,
)
from stammkunde.shop.visibility import customer_in_shops, record_refused


class ApplyError(ValueError):
    """Events that cannot be applied; nothing of the delivery was written.

    ``transient`` marks errors that may pass on a later try without any fix, e.g. a refund
    that arrived before its order (Shopify does not promise any order of deliveries).
    """

    transient = False


class OrderNotKnownYet(ApplyError):
    transient = True


@dataclass
class ApplyResult:
    """What one delivery changed, for the inbox and the UI."""

    orders_created: list[int] = field(default_factory=list)
    orders_updated: list[int] = field(default_factory=list)
    stale: int = 0
    customers: set[int] = field(default_factory=set)
    consents_recorded: int = 0
    privacy_requests: list[tuple[ev.PrivacyRequest, int | None]] = field(default_factory=list)


def apply_events(shop: Shop, events: list[ev.ShopEvent]) -> ApplyResult:
    """Apply the events of one delivery in one transaction; ApplyError leaves nothing behind."""
    result = ApplyResult()
    try:
        with transaction.atomic():
            for event in events:
                _apply(shop, event, result)
    except (OrderError, CustomerError) as error:
        raise ApplyError(str(error)) from error
    except DatabaseError as error:
        raise ApplyError(
            _("The database refused the data: %(error)s") % {"error": error}
        ) from error
    return result


def _apply(shop: Shop, event: ev.ShopEvent, result: ApplyResult) -> None:
    if isinstance(event, ev.OrderUpserted):
        return _upsert_order(shop, event, result)
    if isinstance(event, ev.CustomerUpserted):
        return _upsert_customer(shop, event, result)
    if isinstance(event, ev.MarketingConsentChanged):
        return _consent(shop, event, result)
    if isinstance(event, ev.PrivacyRequest):
        return _privacy_request(shop, event, result)
    if isinstance(event, ev.CustomerDeleted):
        return _customer_deleted(shop, event)
    if isinstance(event, ev.OrderDeleted):
        order = Order.objects.filter(shop=shop, external_id=event.order_external_id).first()
        if order is not None:  # an order we never had needs no deleting
            cancel_order(order, actor_label=shop.name)
        return None
    order = _order(shop, event.order_external_id)
    if isinstance(event, ev.OrderCancelled):
        cancel_order(order, actor_label=shop.name)
    elif isinstance(event, ev.ShipmentRecorded):
        _shipment(order, event)
    elif isinstance(event, ev.DeliveryConfirmed):
        _delivery(order, event)
    elif isinstance(event, ev.RefundRecorded):
        if event.currency and event.currency != order.currency:
            raise ApplyError(
                _("The refund is in %(refund)s, the order in %(order)s.")
                % {"refund": event.currency, "order": order.currency}
            )
        record_refund(
            order,
            amount=event.amount,
            refunded_at=event.refunded_at,
            reason=event.reason,
            external_id=event.external_id,
        )
    elif isinstance(event, ev.ReturnRecorded):
        _return(order, event)
    elif isinstance(event, ev.WithdrawalRecorded):
        record_withdrawal(
            order,
            declared_at=event.declared_at,
            channel=event.channel,
            note=event.note[:10_000],
            external_id=event.external_id,
        )
    else:
        raise ApplyError(_("Unknown event: %(event)s") % {"event": type(event).__name__})
    result.orders_updated.append(order.pk)
    if order.customer_id:
        result.customers.add(order.customer_id)
    return None


def _order(shop: Shop, external_id: str) -> Order:
    order = Order.objects.select_related("shop").filter(shop=shop, external_id=external_id).first()
    if order is None:
        raise OrderNotKnownYet(
            _("Order %(id)s of %(shop)s is not known yet.") % {"id": external_id, "shop": shop.name}
        )
    return order


def _find_customer(shop: Shop, data: ev.CustomerData) -> Customer | None:
    customer_id = match_customer(shop.pk, data.external_id, valid_email(data.email))
    return None if customer_id is None else Customer.objects.get(pk=customer_id)


def _customer(
    shop: Shop,
    data: ev.CustomerData | None,
    changed_at: datetime | None,
    result: ApplyResult,
    fallback_address: dict | None = None,
) -> Customer | None:
    """Find or create the customer; fill in what the shop knows and we do not."""
    if data is None:
        return None
    customer = resolve_customer(
        shop,
        external_id=data.external_id,
        email=valid_email(data.email),
        first_name=data.first_name,
        last_name=data.last_name,
        source=shop.name,
    )
    if customer is None:
        return None
    update_customer_from_shop(
        customer,
        changed_at=changed_at,
        source_label=shop.name,
        first_name=data.first_name,
        last_name=data.last_name,
        phone=data.phone,
        company=data.company,
        address=data.address or fallback_address,
    )
    result.customers.add(customer.pk)
    return customer


def _upsert_order(shop: Shop, event: ev.OrderUpserted, result: ApplyResult) -> None:
    existing = Order.objects.filter(shop=shop, external_id=event.external_id).first()
    if (
        existing is not None
        and event.updated_at is not None
        and existing.source_updated_at is not None
        and event.updated_at <= existing.source_updated_at
    ):
        result.stale += 1
        return
    data = event.customer
    if data is None and event.email:
        data = ev.CustomerData(email=event.email)
    customer = _customer(shop, data, event.updated_at, result, event.billing_address)
    order_input = order_input_for(shop, event, effective_status(existing, event.status))
    order, created = upsert_order(shop, order_input, customer=customer, actor_label=shop.name)
    (result.orders_created if created else result.orders_updated).append(order.pk)


def _shipment(order: Order, event: ev.ShipmentRecorded) -> None:
    record_shipment(
        order,
        shipped_at=event.shipped_at,
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        tracking_url=event.tracking_url,
        external_id=event.external_id,
    )


def _delivery(order: Order, event: ev.DeliveryConfirmed) -> None:
    shipments = order.shipments.all()
    if event.shipment_external_id:
        shipments = shipments.filter(external_id=event.shipment_external_id)
    shipments = list(shipments)
    if not shipments:
        # Delivered without a shipment on record: the delivery implies one.
        shipments = [
            record_shipment(
                order,
                shipped_at=event.delivered_at,
                external_id=event.shipment_external_id or "delivery",
            )
        ]
    for shipment in shipments:
        shipment = Shipment.objects.select_related("order__shop").get(pk=shipment.pk)
        record_delivery(shipment, delivered_at=event.delivered_at)


def _return(order: Order, event: ev.ReturnRecorded) -> None:
    if order.returns.filter(external_id=event.external_id).exists():
        return
    lines = list(order.lines.all())
    if not event.lines:
        chosen = [(line, line.quantity) for line in lines]
    else:
        chosen = []
        for returned in event.lines:
            match = next(
                (
                    line
                    for line in lines
                    if (returned.line_external_id and line.external_id == returned.line_external_id)
                    or (not returned.line_external_id and returned.sku and line.sku == returned.sku)
                ),
                None,
            )
            if match is None:
                raise ApplyError(
                    _("The returned line %(line)s is not part of order %(number)s.")
                    % {"line": returned.line_external_id or returned.sku, "number": order.number}
                )
            chosen.append((match, returned.quantity))
    record_return(
        order,
        reason=event.reason,
        announced_at=event.announced_at,
        lines=chosen,
        note=event.note[:10_000],
        external_id=event.external_id,
    )


def _upsert_customer(shop: Shop, event: ev.CustomerUpserted, result: ApplyResult) -> None:
    data = event.customer
    if not (data.external_id or valid_email(data.email)):
        raise ApplyError(_("The customer has neither an id nor a valid e-mail address."))
    if data.external_id and event.updated_at is not None:
        account = shop_account(shop, data.external_id)
        if account and account.source_updated_at and event.updated_at <= account.source_updated_at:
            result.stale += 1
            return
    customer = _customer(shop, data, event.updated_at, result)
    if data.external_id and event.updated_at is not None and customer is not None:
        mark_account_updated(shop, data.external_id, event.updated_at)


def _customer_deleted(shop: Shop, event: ev.CustomerDeleted) -> None:
    record_account_deleted(shop, event.customer_external_id)


def _consent(shop: Shop, event: ev.MarketingConsentChanged, result: ApplyResult) -> None:
    data = ev.CustomerData(external_id=event.customer_external_id, email=event.email)
    customer = _find_customer(shop, data)
    if customer is None:
        if not (data.external_id or valid_email(data.email)):
            raise ApplyError(_("The consent names no customer we can find or create."))
        customer = _customer(shop, data, event.changed_at, result)
    channel = ConsentChannel.SMS if event.channel == "sms" else ConsentChannel.EMAIL
    recorded = record_shop_consent(
        customer,
        channel=channel,
        granted=event.granted,
        given_at=event.changed_at,
        source_detail=f"{shop.name}: {event.detail}" if event.detail else shop.name,
    )
    result.customers.add(customer.pk)
    if recorded is not None:
        result.consents_recorded += 1


def _privacy_request(shop: Shop, event: ev.PrivacyRequest, result: ApplyResult) -> None:
    """Recorded on the customer's timeline (never creating a customer for it) and carried out.

    Only for a customer of this shop (an account or an order there): an e-mail address that
    matches someone who bought only in another shop is not this shop's to export or erase, so
    it is answered as an unknown customer and the refusal is audited."""
    customer = None
    if event.customer_external_id or event.email:
        customer = _find_customer(
            shop, ev.CustomerData(external_id=event.customer_external_id, email=event.email)
        )
    if customer is not None and not customer_in_shops(customer.pk, [shop.pk]):
        record_refused(
            by=shop.name,
            object_type="customers.customer",
            object_id=customer.pk,
            detail=f"{event.kind}: not a customer of {shop.slug}",
        )
        customer = None
    if customer is not None:
        key = event.request_id or ", ".join(event.order_external_ids) or "-"
        record_privacy_request(
            customer,
            request=str(event.kind),
            shop_name=shop.name,
            orders=event.order_external_ids,
            occurred_at=event.received_at or timezone.now(),
            actor_label=shop.name,
            dedupe_key=f"shop:{shop.pk}:privacy:{event.kind}:{customer.pk}:{key}"[:200],
        )
        result.customers.add(customer.pk)
        _carry_out_privacy_request(shop, event, customer.pk)
    elif event.kind == ev.PrivacyRequestKind.SHOP_REDACT:
        _redact_shop(shop, event)
    result.privacy_requests.append((event, customer.pk if customer else None))


def _privacy_reference(shop: Shop, event: ev.PrivacyRequest) -> str:
    named = event.request_id or ", ".join(event.order_external_ids)
    return f"{shop.slug}: {event.kind}" + (f" ({named})" if named else "")


def _carry_out_privacy_request(shop: Shop, event: ev.PrivacyRequest, customer_id: int) -> None:
    """Run the GDPR function a shop's privacy webhook asks for: the export (kept as a request
    record; staff hand the file to the shop) or the erasure (done, restricted or deferred) of
    what is that shop's: the whole person only when no other shop relationship remains."""
    reference = _privacy_reference(shop, event)
    if event.kind == ev.PrivacyRequestKind.DATA_REQUEST:
        export_customer_data(
            customer_id, by=shop.name, channel=PrivacyRequestChannel.SHOP, reference=reference
        )
    elif event.kind == ev.PrivacyRequestKind.CUSTOMER_REDACT:
        request_erasure(
            customer_id,
            by=shop.name,
            channel=PrivacyRequestChannel.SHOP,
            reference=reference,
            shop_id=shop.pk,
        )


def _redact_shop(shop: Shop, event: ev.PrivacyRequest) -> None:
    """A shop's data must go (Shopify's shop/redact, 48 hours after the app was removed): its
    customers who buy nowhere else are erased; of the others only this shop's part goes (its
    accounts, orders, timeline entries, cases). Each gets its own request record."""
    customer_ids, _elsewhere = customers_of_shop(shop)
    reference = _privacy_reference(shop, event)
    for customer_id in customer_ids:
        request_erasure(
            customer_id,
            by=shop.name,
            channel=PrivacyRequestChannel.SHOP,
            reference=reference,
            shop_id=shop.pk,
        )
