"""Normalized shop events: what a shop told us, independent of the platform that said it.

The platform adapters (``connectors.platforms``) turn webhook bodies and API objects into these
events; ``connectors.applying.apply_events`` writes them to the shop and customer tables. They
are frozen dataclasses of plain values: money is ``Decimal`` with its currency, times are
time-zone aware, ids are strings (Shopify ids exceed 2^53, beyond a double's exact integers).

Every event checks its times and amounts when it is made (``core.plausible``): a time before
1970 or more than a day ahead, an amount that is not finite, negative where it cannot be, or
too large for the money columns, also as a line total or an order's sum, raises
``Implausible`` naming the field. The adapters turn that into a ``PayloadError``, so such a
delivery is parked with its reason and never reaches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from stammkunde.core.plausible import check_amount, check_moment
from stammkunde.shop.models import OrderStatus, ReturnReason

ZERO = Decimal("0.00")


def _check_moments(event: object, *names: str) -> None:
    """Check the named time fields of ``event`` that are set (``core.plausible``)."""
    for name in names:
        value = getattr(event, name)
        if value is not None:
            check_moment(value, name)


class PrivacyRequestKind(StrEnum):
    """The data protection requests a shop platform forwards (Shopify's compliance topics)."""

    DATA_REQUEST = "data_request"
    CUSTOMER_REDACT = "customer_redact"
    SHOP_REDACT = "shop_redact"


@dataclass(frozen=True, kw_only=True)
class CustomerData:
    """A customer as the shop knows them. Empty strings mean "the shop did not say"."""

    external_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    company: str = ""
    address: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LineData:
    """One order line. ``total`` is the shop's line total where it sends one."""

    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal | None = None
    sku: str = ""
    external_id: str = ""

    def __post_init__(self) -> None:
        check_amount(self.unit_price, "unit_price")
        check_amount(self.unit_price * self.quantity, "unit_price * quantity")
        if self.total is not None:
            check_amount(self.total, "total", signed=True)


@dataclass(frozen=True, kw_only=True)
class ShopEvent:
    """Base of every normalized event. ``is_test`` marks data from a shop's test mode."""

    is_test: bool = False


@dataclass(frozen=True, kw_only=True)
class OrderUpserted(ShopEvent):
    """An order was placed or changed; carries the whole order as the shop now sees it."""

    external_id: str
    number: str
    placed_at: datetime
    updated_at: datetime | None
    currency: str  # empty: the shop's currency
    status: OrderStatus
    lines: tuple[LineData, ...]
    subtotal: Decimal | None = None
    shipping_total: Decimal = ZERO
    discount_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    total: Decimal | None = None
    customer: CustomerData | None = None
    email: str = ""
    billing_address: dict = field(default_factory=dict)
    shipping_address: dict = field(default_factory=dict)
    # Coupon and voucher codes the customer entered (ours are recognised as redeemed).
    discount_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_moments(self, "placed_at", "updated_at")
        for name in ("shipping_total", "discount_total", "tax_total"):
            check_amount(getattr(self, name), name)
        lines = sum((line.unit_price * line.quantity for line in self.lines), ZERO)
        check_amount(lines, "subtotal")
        check_amount(lines + self.shipping_total, "subtotal + shipping_total")
        for name in ("subtotal", "total"):
            if getattr(self, name) is not None:
                check_amount(getattr(self, name), name)


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(ShopEvent):
    order_external_id: str
    cancelled_at: datetime | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "cancelled_at")


@dataclass(frozen=True, kw_only=True)
class OrderDeleted(ShopEvent):
    """The shop deleted (or trashed) the order."""

    order_external_id: str


@dataclass(frozen=True, kw_only=True)
class ShipmentRecorded(ShopEvent):
    """(Part of) an order was handed to a carrier. One event per tracking number."""

    order_external_id: str
    external_id: str
    shipped_at: datetime
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "shipped_at")


@dataclass(frozen=True, kw_only=True)
class DeliveryConfirmed(ShopEvent):
    """The goods reached the customer; without ``shipment_external_id`` every open shipment."""

    order_external_id: str
    delivered_at: datetime
    shipment_external_id: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "delivered_at")


@dataclass(frozen=True, kw_only=True)
class RefundRecorded(ShopEvent):
    order_external_id: str
    external_id: str
    amount: Decimal
    currency: str
    refunded_at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        check_amount(self.amount, "amount")
        _check_moments(self, "refunded_at")


@dataclass(frozen=True, kw_only=True)
class ReturnedLine:
    """A returned quantity of an order line, named by the shop's line id or else its SKU."""

    quantity: int
    line_external_id: str = ""
    sku: str = ""


@dataclass(frozen=True, kw_only=True)
class ReturnRecorded(ShopEvent):
    """Goods came (or are coming) back. Without lines the whole order is returned."""

    order_external_id: str
    external_id: str
    announced_at: datetime
    reason: ReturnReason = ReturnReason.OTHER
    lines: tuple[ReturnedLine, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "announced_at")


@dataclass(frozen=True, kw_only=True)
class WithdrawalRecorded(ShopEvent):
    """The customer withdrew from the contract (Widerruf)."""

    order_external_id: str
    external_id: str
    declared_at: datetime
    channel: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "declared_at")


@dataclass(frozen=True, kw_only=True)
class CustomerUpserted(ShopEvent):
    customer: CustomerData
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_moments(self, "updated_at")


@dataclass(frozen=True, kw_only=True)
class CustomerDeleted(ShopEvent):
    """The shop deleted its customer account; our customer and their history stay."""

    customer_external_id: str


@dataclass(frozen=True, kw_only=True)
class MarketingConsentChanged(ShopEvent):
    """E-mail (or SMS) marketing consent as the shop recorded it.

    ``changed_at`` is the shop's own time of the change, None when it does not say; a change
    without a time never overrides an opt-out the customer gave us directly.
    """

    granted: bool
    customer_external_id: str = ""
    email: str = ""
    channel: str = "email"
    changed_at: datetime | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "changed_at")


@dataclass(frozen=True, kw_only=True)
class PrivacyRequest(ShopEvent):
    """A data protection request forwarded by the platform (access or erasure)."""

    kind: PrivacyRequestKind
    received_at: datetime | None = None
    customer_external_id: str = ""
    email: str = ""
    phone: str = ""
    order_external_ids: tuple[str, ...] = ()
    request_id: str = ""

    def __post_init__(self) -> None:
        _check_moments(self, "received_at")


OrderEvent = (
    OrderCancelled
    | OrderDeleted
    | ShipmentRecorded
    | DeliveryConfirmed
    | RefundRecorded
    | ReturnRecorded
    | WithdrawalRecorded
)
