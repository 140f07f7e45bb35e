"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, field_validator, model_validator

from stammkunde.core import plausible
from stammkunde.customers.models import FormOfAddress, Salutation
from stammkunde.shop.models import OrderStatus

# The largest order total the database holds (14 digits, 2 after the point), with a margin.
MAX_ORDER_TOTAL = Decimal("9999999999.99")
MAX_PRICE = Decimal("1000000")


def _plausible(check: Any) -> AfterValidator:
    """A validator applying ``core.plausible``'s rule; its reason becomes the 422 message
    (the field is named by the error's location)."""

    def validate(value: Any) -> Any:
        if value is None:
            return value
        try:
            return check(value, "value")
        except plausible.Implausible as error:
            raise ValueError(error.reason) from None

    return AfterValidator(validate)


Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_PRICE, max_digits=12, decimal_places=2),
    _plausible(lambda value, field: plausible.check_amount(value, field, maximum=MAX_PRICE + 1)),
]
# A business fact's time (an order placed, changed): 1970 up to a day from now.
Moment = Annotated[datetime, _plausible(plausible.check_moment)]
Birthday = Annotated[date, _plausible(plausible.check_day)]


def _no_nul(value: Any) -> Any:
    # PostgreSQL cannot store NUL in text, and no real name, address or note contains one.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    if isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


class In(Schema):
    """Base of request bodies: unknown fields and NUL characters are 422 errors."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        return _no_nul(value)


class Error(Schema):
    """Every error answer: ``detail`` says what went wrong; ``errors`` lists the fields of a
    request that failed validation (422 only)."""

    detail: str
    errors: list[dict[str, Any]] | None = None


class ShopAccountOut(Schema):
    shop: str
    external_id: str


class AddressOut(Schema):
    kind: str
    company: str
    name: str
    street: str
    street2: str
    postal_code: str
    city: str
    country: str
    is_default: bool


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool
    since: datetime
    source: str


class CustomerOut(Schema):
    id: int
    email: str | None
    first_name: str
    last_name: str
    salutation: str
    title: str
    form_of_address: str
    language: str
    phone: str
    birthday: date | None
    company: str
    vat_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    tags: list[str]
    shop_accounts: list[ShopAccountOut]
    addresses: list[AddressOut]
    consents: list[ConsentOut]
    resolved_from: int | None = Field(
        None, description="The id asked for, when it belonged to a customer merged into this one."
    )


class CustomerSummary(Schema):
    id: int
    email: str | None
    first_name: str
    last_name: str
    company: str
    status: str


class CustomerPage(Schema):
    items: list[CustomerSummary]
    limit: int
    offset: int
    next_offset: int | None


class CustomerUpsert(In):
    """Find the customer by the shop's customer id (``shop`` + ``external_id``), else by
    e-mail; create one when neither matches. Only the fields sent are changed."""

    email: str | None = Field(None, max_length=254)
    shop: str | None = Field(None, max_length=50, description="Short name of the shop.")
    external_id: str | None = Field(None, min_length=1, max_length=100)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    salutation: Salutation | None = None
    title: str | None = Field(None, max_length=50)
    # No null: a customer always has a form of address and a language (leave them out to keep
    # them). The other fields take null as "empty".
    form_of_address: FormOfAddress = Field(None)  # type: ignore[assignment]
    language: str = Field(  # type: ignore[assignment]
        None, min_length=2, max_length=8, pattern=r"^[a-z]{2}(-[a-z]{2})?$"
    )
    phone: str | None = Field(None, max_length=40)
    birthday: Birthday | None = None
    company: str | None = Field(None, max_length=200)
    vat_id: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _identified(self) -> CustomerUpsert:
        if not (self.email or self.external_id):
            raise ValueError("send an e-mail or an external_id to identify the customer")
        return self


class CustomerUpserted(Schema):
    created: bool
    customer: CustomerOut


class LineIn(In):
    name: str = Field(..., min_length=1, max_length=300)
    quantity: int = Field(..., ge=1, le=10000)
    unit_price: Money
    sku: str = Field("", max_length=64)


class OrderCustomerIn(In):
    external_id: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)


class OrderUpsert(In):
    """An order of a shop, created or replaced by (shop, external_id)."""

    shop: str | None = Field(None, max_length=50, description="Short name of the shop.")
    external_id: str = Field(..., min_length=1, max_length=100)
    number: str = Field("", max_length=64)
    placed_at: Moment
    currency: str = Field("EUR", pattern=r"^[A-Za-z]{3}$")
    email: str = Field("", max_length=254)
    customer: OrderCustomerIn | None = None
    status: OrderStatus = OrderStatus.PLACED
    lines: list[LineIn] = Field(..., min_length=1, max_length=1000)
    shipping_total: Money = Decimal("0")
    discount_total: Money = Decimal("0")
    tax_total: Money = Decimal("0")
    is_test: bool = False
    source_updated_at: Moment | None = None
    billing_address: dict[str, str] = Field(default_factory=dict, max_length=20)
    shipping_address: dict[str, str] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _bounded_total(self) -> OrderUpsert:
        total = sum(line.unit_price * line.quantity for line in self.lines) + self.shipping_total
        if total > MAX_ORDER_TOTAL:
            raise ValueError(f"the order total must not exceed {MAX_ORDER_TOTAL}")
        return self


class LineOut(Schema):
    line_number: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal


class OrderOut(Schema):
    id: int
    shop: str
    external_id: str
    number: str
    customer_id: int | None
    email: str
    status: str
    placed_at: Moment
    currency: str
    subtotal: Decimal
    shipping_total: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    refunded_total: Decimal
    is_test: bool
    source_updated_at: datetime | None
    lines: list[LineOut]


class OrderPage(Schema):
    items: list[OrderOut]
    limit: int
    offset: int
    next_offset: int | None


class OrderUpserted(Schema):
    created: bool
    order: OrderOut


class ActivityOut(Schema):
    id: int
    customer_id: int
    kind: str
    channel: str
    direction: str
    occurred_at: datetime
    actor: str
    params: dict[str, Any] = Field(
        description="The facts of the entry by kind (order number, amount as decimal text and"
        " currency, carrier, reason...); ``text`` is a line as written."
    )
    summary: str = Field(description="The entry's line in the request's language.")
    body: str


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None = Field(
        None, description="Pass as ``before`` to get the next (older) page; null at the end."
    )


class NoteIn(In):
    text: str = Field(..., min_length=1, max_length=10_000)


class MergeIn(In):
    merged_id: int = Field(
        ..., ge=1, le=2**63 - 1, description="The customer that goes into this one."
    )


class EventAccepted(Schema):
    delivery_id: int = Field(..., description="Our id of the stored delivery (the inbox row).")
    event_id: str = Field(..., description="The event's own id (the body's ``id``).")
    state: str
