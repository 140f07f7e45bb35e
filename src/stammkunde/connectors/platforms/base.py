"""What every platform adapter shares: the contract, the errors, and strict field readers.

An adapter is pure (no database): ``verify`` checks a delivery's signature, ``identify`` reads
its topic, delivery id and the resource it is about, ``map`` turns the parsed body into
normalized shop events (``connectors.normalized``). The readers below turn loosely typed JSON
into exact values and raise ``PayloadError`` with a message naming the field, so a bad delivery
is parked with a reason an integrator can act on.

Limits (documented in docs/WEBHOOKS.md): at most ``MAX_LINES`` lines per order, quantities
from 1 to ``MAX_QUANTITY``, amounts below ``MAX_AMOUNT`` (what the order tables hold), ids up
to ``MAX_ID_LENGTH`` characters. Names and notes longer than their column are cut, not refused:
a long product name is no reason to lose an order.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, Protocol, TypeVar

from django.utils.translation import gettext as _

from stammkunde.connectors.normalized import ShopEvent
from stammkunde.core.plausible import MAX_AMOUNT, Implausible, check_amount, check_moment

MAX_LINES = 1_000
MAX_QUANTITY = 100_000
MAX_ID_LENGTH = 100
MAX_NOTE_LENGTH = 10_000
NAME_LENGTH = 100
LINE_NAME_LENGTH = 300


class PayloadError(ValueError):
    """A delivery that cannot be understood; the message goes to the inbox and the 4xx answer."""


_P = ParamSpec("_P")
_R = TypeVar("_R")


def mapping(map_events: Callable[_P, _R]) -> Callable[_P, _R]:
    """Mark a mapping function: an implausible value in the events it makes (the normalized
    events check their times and amounts, ``core.plausible``) is a ``PayloadError``, so the
    delivery is parked with the field and the reason like any other bad delivery."""

    @functools.wraps(map_events)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return map_events(*args, **kwargs)
        except Implausible as error:
            raise PayloadError(str(error)) from None

    return checked


@dataclass(frozen=True)
class DeliveryInfo:
    topic: str
    delivery_id: str
    resource_key: str
    resource_updated_at: datetime | None
    is_ping: bool = False


class PlatformAdapter(Protocol):
    platform: str

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes) -> bool: ...

    def identify(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo: ...

    def parse(self, body: bytes) -> Any: ...

    def map(self, topic: str, payload: Any) -> list[ShopEvent]: ...


def adapter_for(platform: str) -> PlatformAdapter:
    """The adapter of a shop platform; KeyError for platforms without webhooks (csv, demo)."""
    from stammkunde.connectors.platforms import generic, shopify, shopware6, woocommerce

    adapters: dict[str, PlatformAdapter] = {
        "shopify": shopify.ShopifyAdapter(),
        "woocommerce": woocommerce.WooCommerceAdapter(),
        "shopware6": shopware6.Shopware6Adapter(),
        "generic": generic.GenericAdapter(),
    }
    return adapters[platform]


# --- signatures ----------------------------------------------------------------------------


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def matches_base64(secret: str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of a base64 HMAC-SHA256 (Shopify, WooCommerce)."""
    if not signature or not secret:
        return False
    expected = base64.b64encode(hmac_sha256(secret, body)).decode()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def matches_hex(secret: str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of a lowercase hex HMAC-SHA256 (Shopware, generic)."""
    if not signature or not secret:
        return False
    expected = hmac_sha256(secret, body).hex()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names folded to lower case, whatever mapping the caller passes."""
    return {str(name).lower(): str(value) for name, value in headers.items()}


def body_digest(body: bytes) -> str:
    """The delivery id of a platform that sends none: the body's SHA-256."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


# --- parsing ---------------------------------------------------------------------------------


# One decoder for every body: json.loads(text, parse_float=Decimal) builds a new one per call,
# which the web process paid for each delivery it identifies.
_JSON_DECODER = json.JSONDecoder(parse_float=Decimal)


def load_json(body: bytes) -> Any:
    """Parse a JSON body; numbers with a fraction become Decimal, never float."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError(_("The body is not UTF-8 text.")) from None
    try:
        if text.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _JSON_DECODER.decode(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise PayloadError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None


def require_object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(_("%(what)s must be a JSON object.") % {"what": what})
    return value


def object_list(value: Any, what: str) -> list[dict]:
    """A list of objects; None (or absent) is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(_("%(what)s must be a list of objects.") % {"what": what})
    return value


def identifier(value: Any, what: str, *, required: bool = True) -> str:
    """An id as text: JSON numbers (exact, Shopify's exceed 2^53) and strings are accepted."""
    if value is None or value == "":
        if required:
            raise PayloadError(_("%(what)s is missing.") % {"what": what})
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(_("%(what)s must be a number or a string.") % {"what": what})
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise PayloadError(
            _("%(what)s is longer than %(max)d characters.") % {"what": what, "max": MAX_ID_LENGTH}
        )
    return text


def text(value: Any, what: str, *, max_length: int = NAME_LENGTH) -> str:
    """A text field; None is empty, numbers are written out, longer text is cut."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise PayloadError(_("%(what)s must be text.") % {"what": what})
    # NUL cannot be stored in PostgreSQL text columns; other control characters are harmless.
    return str(value).replace("\x00", "").strip()[:max_length]


def amount(value: Any, what: str, *, default: Decimal | None = None) -> Decimal:
    """Money from a JSON string or number, exactly; negative or absurd amounts are refused."""
    result = signed_amount(value, what, default=default)
    if result < 0:
        raise PayloadError(_("%(what)s is negative.") % {"what": what})
    return result


def signed_amount(value: Any, what: str, *, default: Decimal | None = None) -> Decimal:
    """Money that may be negative (an adjustment); finite and below MAX_AMOUNT."""
    if value is None or value == "":
        if default is None:
            raise PayloadError(_("%(what)s is missing.") % {"what": what})
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PayloadError(_("%(what)s must be an amount.") % {"what": what})
    if isinstance(value, float):
        # API clients that parsed numbers as floats: the shortest repr is the decimal sent.
        value = repr(value)
    try:
        value = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(
            _("%(what)s is not an amount: %(value)s") % {"what": what, "value": str(value)[:40]}
        ) from None
    try:
        return check_amount(value, what, signed=True, maximum=MAX_AMOUNT)
    except Implausible as error:
        raise PayloadError(str(error)) from None


def quantity(value: Any, what: str) -> int:
    """A line quantity: a whole number from 1 to MAX_QUANTITY."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(_("%(what)s must be a whole number.") % {"what": what})
    if not 1 <= value <= MAX_QUANTITY:
        raise PayloadError(
            _("%(what)s is %(value)s; it must be between 1 and %(max)d.")
            % {"what": what, "value": value, "max": MAX_QUANTITY}
        )
    return value


def timestamp(value: Any, what: str, *, naive_is_utc: bool = False) -> datetime | None:
    """An ISO 8601 time with its offset (or a Unix timestamp); None when absent.

    A time without offset is refused unless the platform documents it as UTC
    (``naive_is_utc``, WooCommerce's ``*_gmt`` fields). So is a time before 1970 or more than a
    day in the future (``core.plausible``): no shop meant it, and the database cannot hold
    every such value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError, InvalidOperation):
            raise PayloadError(_("%(what)s is out of range.") % {"what": what}) from None
        return _plausible(moment, what)
    if not isinstance(value, str):
        raise PayloadError(_("%(what)s must be a date and time.") % {"what": what})
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise PayloadError(
            _("%(what)s is not a date and time: %(value)s") % {"what": what, "value": value[:40]}
        ) from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(_("%(what)s has no time zone.") % {"what": what})
        moment = moment.replace(tzinfo=UTC)
    return _plausible(moment, what)


def _plausible(moment: datetime, what: str) -> datetime:
    try:
        return check_moment(moment, what)
    except Implausible as error:
        raise PayloadError(str(error)) from None


def required_timestamp(value: Any, what: str, *, naive_is_utc: bool = False) -> datetime:
    moment = timestamp(value, what, naive_is_utc=naive_is_utc)
    if moment is None:
        raise PayloadError(_("%(what)s is missing.") % {"what": what})
    return moment


def currency(value: Any, what: str = "currency") -> str:
    code = text(value, what, max_length=10).upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise PayloadError(
            _("%(what)s is not a currency code: %(value)s") % {"what": what, "value": code}
        )
    return code


def check_line_count(count: int) -> None:
    if count > MAX_LINES:
        raise PayloadError(
            _("The order has %(count)d lines; at most %(max)d are accepted.")
            % {"count": count, "max": MAX_LINES}
        )


def address(
    *,
    name: str = "",
    company: str = "",
    street: str = "",
    street2: str = "",
    postal_code: str = "",
    city: str = "",
    region: str = "",
    country: str = "",
    phone: str = "",
) -> dict[str, str]:
    """An address in the one shape orders store, without the empty parts."""
    parts = {
        "name": name,
        "company": company,
        "street": street,
        "street2": street2,
        "postal_code": postal_code,
        "city": city,
        "region": region,
        "country": country,
        "phone": phone,
    }
    return {key: value for key, value in parts.items() if value}
