"""Shopify: webhook topics and REST Admin API objects to normalized shop events.

Signature: ``X-Shopify-Hmac-Sha256`` (or the newer ``Shopify-Hmac-Sha256``) is the base64
HMAC-SHA256 of the raw body with the app's client secret. Ids are read as exact integers and
kept as text. Timestamps carry their offset ("2021-12-31T19:00:00-05:00").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import (
    ZERO,
    CustomerData,
    CustomerDeleted,
    CustomerUpserted,
    LineData,
    MarketingConsentChanged,
    OrderDeleted,
    OrderUpserted,
    PrivacyRequest,
    PrivacyRequestKind,
    ShopEvent,
)
from stammkunde.connectors.platforms.base import (
    LINE_NAME_LENGTH,
    DeliveryInfo,
    PayloadError,
    address,
    amount,
    body_digest,
    check_line_count,
    currency,
    identifier,
    load_json,
    lower_headers,
    mapping,
    matches_base64,
    object_list,
    quantity,
    require_object,
    required_timestamp,
    text,
    timestamp,
)
from stammkunde.connectors.platforms.shopify_aftersales import fulfillment_events, map_refund
from stammkunde.shop.models import OrderStatus

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update"})
PRIVACY_TOPICS = {
    "customers/data_request": PrivacyRequestKind.DATA_REQUEST,
    "customers/redact": PrivacyRequestKind.CUSTOMER_REDACT,
    "shop/redact": PrivacyRequestKind.SHOP_REDACT,
}
CONSENT_TOPIC = "customers_email_marketing_consent/update"
TOPICS = (
    ORDER_TOPICS
    | FULFILLMENT_TOPICS
    | CUSTOMER_TOPICS
    | set(PRIVACY_TOPICS)
    | {"orders/delete", "refunds/create", "customers/delete", CONSENT_TOPIC}
)
CONSENT_STATES = {"subscribed": True, "not_subscribed": False, "unsubscribed": False}


def _header(headers: dict[str, str], name: str) -> str:
    # Shopify's libraries prefer the new header without "X-" when both are present.
    return headers.get(name) or headers.get("x-" + name) or ""


class ShopifyAdapter:
    platform = "shopify"

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the body carries a valid HMAC made with ``secret``."""
        signature = _header(lower_headers(headers), "shopify-hmac-sha256")
        return matches_base64(secret, body, signature)

    def parse(self, body: bytes) -> Any:
        return load_json(body)

    def identify(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo:
        """Topic, delivery id and the order or customer a delivery is about."""
        folded = lower_headers(headers)
        topic = _header(folded, "shopify-topic").strip()
        if not topic:
            raise PayloadError(_("The delivery has no X-Shopify-Topic header."))
        if topic not in TOPICS:
            raise PayloadError(_("Unknown Shopify topic: %(topic)s") % {"topic": topic[:100]})
        payload = require_object(load_json(body), _("The body"))
        delivery_id = _header(folded, "shopify-webhook-id")
        if not delivery_id:
            event_id = _header(folded, "shopify-event-id")
            # One merchant action sends one event id to several topics.
            delivery_id = f"{event_id}:{topic}" if event_id else body_digest(body)
        key, updated_at = _resource(topic, payload)
        return DeliveryInfo(
            topic=topic,
            delivery_id=delivery_id.strip()[:200],
            resource_key=key,
            resource_updated_at=updated_at,
        )

    @mapping
    def map(self, topic: str, payload: Any) -> list[ShopEvent]:
        """The normalized events of one delivery (or one REST API object of the same shape)."""
        payload = require_object(payload, _("The body"))
        if topic in ORDER_TOPICS:
            return map_order(payload)
        if topic == "orders/delete":
            return [OrderDeleted(order_external_id=identifier(payload.get("id"), "id"))]
        if topic in FULFILLMENT_TOPICS:
            return fulfillment_events(payload, identifier(payload.get("order_id"), "order_id"))
        if topic == "refunds/create":
            return map_refund(payload)
        if topic in CUSTOMER_TOPICS:
            return _customer_events(payload)
        if topic == "customers/delete":
            return [CustomerDeleted(customer_external_id=identifier(payload.get("id"), "id"))]
        if topic == CONSENT_TOPIC:
            consent = _consent(
                payload.get("email_marketing_consent"),
                customer_id=identifier(payload.get("customer_id"), "customer_id"),
                email=text(payload.get("email_address"), "email_address", max_length=254),
            )
            return [consent] if consent else []
        if topic in PRIVACY_TOPICS:
            return [_privacy_request(PRIVACY_TOPICS[topic], payload)]
        raise PayloadError(_("Unknown Shopify topic: %(topic)s") % {"topic": topic[:100]})


def _resource(topic: str, payload: dict) -> tuple[str, Any]:
    """The resource key and, for full order/customer objects, their change time."""
    if topic in ORDER_TOPICS or topic == "orders/delete":
        order_id = identifier(payload.get("id"), "id")
        return f"order:{order_id}", timestamp(payload.get("updated_at"), "updated_at")
    if topic in FULFILLMENT_TOPICS or topic == "refunds/create":
        # Keyed by their order, so they are applied in order with its updates.
        return f"order:{identifier(payload.get('order_id'), 'order_id')}", None
    if topic in CUSTOMER_TOPICS or topic == "customers/delete":
        customer_id = identifier(payload.get("id"), "id")
        return f"customer:{customer_id}", timestamp(payload.get("updated_at"), "updated_at")
    if topic == CONSENT_TOPIC:
        return f"customer:{identifier(payload.get('customer_id'), 'customer_id')}", None
    if topic == "shop/redact":
        return "shop", None
    customer = require_object(payload.get("customer"), "customer")
    return f"customer:{identifier(customer.get('id'), 'customer.id')}", None


def map_order(order: dict) -> list[ShopEvent]:
    """An order object (webhook body or REST ``order``) and what it carries: fulfilments,
    refunds and the buyer's marketing consent."""
    order_id = identifier(order.get("id"), "id")
    is_test = order.get("test") is True
    line_items = object_list(order.get("line_items"), "line_items")
    check_line_count(len(line_items))
    lines = tuple(_line(item, index) for index, item in enumerate(line_items, start=1))
    customer_object = order.get("customer")
    customer = _customer(customer_object) if isinstance(customer_object, dict) else None
    billing = order.get("billing_address")
    email = text(order.get("email") or order.get("contact_email"), "email", max_length=254)
    if customer is not None and not customer.email:
        customer = CustomerData(**{**customer.__dict__, "email": email})
    if customer is None and email:
        # A guest checkout: the buyer is known by the e-mail and the billing name only.
        names = billing if isinstance(billing, dict) else {}
        customer = CustomerData(
            email=email,
            first_name=text(names.get("first_name"), "billing_address.first_name"),
            last_name=text(names.get("last_name"), "billing_address.last_name"),
        )
    shipping_lines = object_list(order.get("shipping_lines"), "shipping_lines")
    shipping = sum(
        (
            amount(line.get("price"), "shipping_lines.price", default=ZERO)
            for line in shipping_lines
        ),
        ZERO,
    )
    placed_at = required_timestamp(
        order.get("processed_at") or order.get("created_at"), "created_at"
    )
    events: list[ShopEvent] = [
        OrderUpserted(
            external_id=order_id,
            number=text(
                order.get("name") or order.get("order_number") or order_id, "name", max_length=64
            ),
            placed_at=placed_at,
            updated_at=timestamp(order.get("updated_at"), "updated_at"),
            currency=currency(order.get("currency")),
            status=_status(order),
            lines=lines,
            shipping_total=shipping,
            discount_total=amount(order.get("total_discounts"), "total_discounts", default=ZERO),
            tax_total=amount(order.get("total_tax"), "total_tax", default=ZERO),
            total=amount(order.get("total_price"), "total_price"),
            customer=customer,
            email=email,
            billing_address=_address(billing, "billing_address"),
            shipping_address=_address(order.get("shipping_address"), "shipping_address"),
            is_test=is_test,
            discount_codes=_discount_codes(order.get("discount_codes"), "code"),
        )
    ]
    for fulfillment in object_list(order.get("fulfillments"), "fulfillments"):
        events.extend(fulfillment_events(fulfillment, order_id, is_test=is_test))
    for refund in object_list(order.get("refunds"), "refunds"):
        events.extend(map_refund({**refund, "order_id": order_id}, is_test=is_test))
    consent = _order_consent(order, customer_object, customer)
    if consent is not None and not is_test:
        # A test checkout is the merchant trying the shop, not a person's consent.
        events.append(consent)
    return events


def _status(order: dict) -> OrderStatus:
    if order.get("cancelled_at"):
        return OrderStatus.CANCELLED
    if order.get("fulfillment_status") in ("fulfilled", "partial"):
        return OrderStatus.SHIPPED
    financial = order.get("financial_status")
    if financial == "refunded":
        return OrderStatus.RETURNED
    if financial in ("paid", "partially_refunded"):
        return OrderStatus.PAID
    return OrderStatus.PLACED


def _line(item: dict, index: int) -> LineData:
    what = f"line_items[{index}]"
    return LineData(
        name=text(
            item.get("name") or item.get("title"), what + ".name", max_length=LINE_NAME_LENGTH
        )
        or "?",
        quantity=quantity(item.get("quantity"), what + ".quantity"),
        unit_price=amount(item.get("price"), what + ".price"),
        sku=text(item.get("sku"), what + ".sku", max_length=64),
        external_id=identifier(item.get("id"), what + ".id", required=False),
    )


def _customer(customer: dict) -> CustomerData:
    default_address = customer.get("default_address")
    return CustomerData(
        external_id=identifier(customer.get("id"), "customer.id", required=False),
        email=text(customer.get("email"), "customer.email", max_length=254),
        first_name=text(customer.get("first_name"), "customer.first_name"),
        last_name=text(customer.get("last_name"), "customer.last_name"),
        phone=text(customer.get("phone"), "customer.phone", max_length=40),
        address=_address(default_address, "customer.default_address"),
    )


def _address(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    value = require_object(value, what)

    def part(key: str, max_length: int = 200) -> str:
        return text(value.get(key), f"{what}.{key}", max_length=max_length)

    name = part("name") or " ".join(p for p in (part("first_name"), part("last_name")) if p)
    return address(
        name=name,
        company=part("company"),
        street=part("address1"),
        street2=part("address2"),
        postal_code=part("zip", 16),
        city=part("city", 100),
        region=part("province_code", 10) or part("province", 100),
        country=part("country_code", 2),
        phone=part("phone", 40),
    )


def _customer_events(payload: dict) -> list[ShopEvent]:
    customer = _customer(payload)
    if not customer.external_id:
        raise PayloadError(_("%(what)s is missing.") % {"what": "id"})
    events: list[ShopEvent] = [
        CustomerUpserted(
            customer=customer, updated_at=timestamp(payload.get("updated_at"), "updated_at")
        )
    ]
    consent = _customer_consent(payload, customer)
    if consent is not None:
        events.append(consent)
    return events


def _customer_consent(customer_object: dict, customer: CustomerData) -> ShopEvent | None:
    """Consent inside a customer object: ``email_marketing_consent`` (since API 2022-04) or
    the older ``accepts_marketing`` flag."""
    if isinstance(customer_object.get("email_marketing_consent"), dict):
        return _consent(
            customer_object["email_marketing_consent"],
            customer_id=customer.external_id,
            email=customer.email,
        )
    flag = customer_object.get("accepts_marketing")
    if isinstance(flag, bool):
        return MarketingConsentChanged(
            granted=flag,
            customer_external_id=customer.external_id,
            email=customer.email,
            changed_at=timestamp(
                customer_object.get("accepts_marketing_updated_at"), "accepts_marketing_updated_at"
            ),
            detail="accepts_marketing",
        )
    return None


def _order_consent(
    order: dict, customer_object: Any, customer: CustomerData | None
) -> ShopEvent | None:
    if customer is None:
        return None
    if isinstance(customer_object, dict):
        consent = _customer_consent(customer_object, customer)
        if consent is not None:
            return consent
    if order.get("buyer_accepts_marketing") is True:
        # The checkout box, ticked when this order was placed.
        return MarketingConsentChanged(
            granted=True,
            customer_external_id=customer.external_id,
            email=customer.email,
            changed_at=timestamp(order.get("created_at"), "created_at"),
            detail="buyer_accepts_marketing",
        )
    return None


def _consent(value: Any, *, customer_id: str, email: str) -> MarketingConsentChanged | None:
    consent = require_object(value, "email_marketing_consent")
    state = consent.get("state")
    if state not in CONSENT_STATES:
        # pending (double opt-in not confirmed), invalid, redacted: nothing to record yet.
        return None
    return MarketingConsentChanged(
        granted=CONSENT_STATES[state],
        customer_external_id=customer_id,
        email=email,
        changed_at=timestamp(consent.get("consent_updated_at"), "consent_updated_at"),
        detail=f"email_marketing_consent: {state}",
    )


def _privacy_request(kind: PrivacyRequestKind, payload: dict) -> PrivacyRequest:
    customer = payload.get("customer")
    customer = require_object(customer, "customer") if customer is not None else {}
    order_ids = payload.get("orders_requested") or payload.get("orders_to_redact") or []
    if not isinstance(order_ids, list):
        raise PayloadError(_("%(what)s must be a list.") % {"what": "orders"})
    request = payload.get("data_request")
    request_id = (
        identifier(request.get("id"), "data_request.id", required=False)
        if isinstance(request, dict)
        else ""
    )
    return PrivacyRequest(
        kind=kind,
        customer_external_id=identifier(customer.get("id"), "customer.id", required=False),
        email=text(customer.get("email"), "customer.email", max_length=254),
        phone=text(customer.get("phone"), "customer.phone", max_length=40),
        order_external_ids=tuple(identifier(value, "order id") for value in order_ids),
        request_id=request_id,
    )


def _discount_codes(entries: Any, key: str) -> tuple[str, ...]:
    """The codes of a list of discount objects; anything that is not one is skipped."""
    if not isinstance(entries, list):
        return ()
    codes = (entry.get(key) for entry in entries if isinstance(entry, dict))
    return tuple(code[:64] for code in codes if isinstance(code, str) and code.strip())
