"""Bearer token authentication and scope checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from stammkunde.api.models import ApiToken, Scope
from stammkunde.api.tokens import authenticate
from stammkunde.shop.models import Shop
from stammkunde.shop.visibility import record_refused


class TokenAuth(HttpBearer):
    """``Authorization: Bearer stk_...``; a missing, unknown or revoked token is a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return authenticate(token)


@dataclass(frozen=True)
class ApiActor:
    """The integration behind a request, as the services' ``by``: not a staff user, so the
    timeline and the audit log label the entry with the token's name."""

    name: str
    is_authenticated: bool = False

    def __str__(self) -> str:
        return self.name


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined,return-value]


def require(request: HttpRequest, scope: Scope) -> ApiToken:
    """The request's token if it carries ``scope``; otherwise a 403 naming the scope."""
    token = token_of(request)
    if not token.has_scope(scope):
        raise HttpError(403, _("This token lacks the scope %(scope)s.") % {"scope": scope.value})
    return token


def actor(request: HttpRequest) -> ApiActor:
    return ApiActor(token_of(request).name)


def shop_limit(request: HttpRequest) -> list[int] | None:
    """The shops whose customers and orders the token sees: its own one, or all (None)."""
    token = token_of(request)
    return None if token.shop_id is None else [token.shop_id]


def not_found(request: HttpRequest, what: str, object_id: int | str, message: str) -> HttpError:
    """A 404 for something outside the token's shop, as if it did not exist; the probe is noted
    in the audit log."""
    record_refused(
        by=actor(request), object_type=what, object_id=object_id, detail="api: other shop"
    )
    return HttpError(404, message)


def shop_for(request: HttpRequest, slug: str | None) -> Shop:
    """The shop a write is for: the token's own shop, or the one named by ``slug``."""
    token = token_of(request)
    if token.shop_id is not None:
        if slug and slug != token.shop.slug:
            raise not_found(
                request,
                "shop.shop",
                slug[:50],
                _("There is no shop named %(shop)s.") % {"shop": slug[:50]},
            )
        return token.shop
    if not slug:
        raise HttpError(400, _("Name the shop (its short name) in the field “shop”."))
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        raise HttpError(404, _("There is no shop named %(shop)s.") % {"shop": slug[:50]})
    return shop
