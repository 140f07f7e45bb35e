"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.api.models import ApiToken, Scope
from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.shop.models import Shop

TOKEN_PREFIX = "stk_"
# Writing last_used_at on every request would turn every read into a write; once a minute
# tells an admin just as well whether an integration is still alive.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be created or revoked; the message is meant for the user."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def create_token(
    *, name: str, scopes: Iterable[str], shop: Shop | None = None, by: Any | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret value, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_("A token needs a name."))
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown:
        raise TokenError(
            _("Unknown scope: %(scopes)s. Known scopes: %(known)s.")
            % {"scopes": ", ".join(unknown), "known": ", ".join(Scope.values)}
        )
    if not scopes:
        raise TokenError(_("A token needs at least one scope."))
    if ApiToken.objects.filter(name=name).exists():
        raise TokenError(_("A token named %(name)s exists already.") % {"name": name})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        prefix=secret[:12],
        token_hash=hash_token(secret),
        scopes=scopes,
        shop=shop,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit(actor=by, action=AuditAction.CREATE, obj=token, fields=["scopes"])
    return token, secret


@transaction.atomic
def revoke_token(token: ApiToken, *, by: Any | None = None) -> ApiToken:
    """Make the token unusable from now on (idempotent)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=by, action=AuditAction.DELETE, obj=token, detail="revoked")
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, or None; notes when it was last used."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("shop")
        .filter(token_hash=hash_token(secret), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_for_staff() -> list[ApiToken]:
    """All tokens for the staff page: active ones first, then by name."""
    tokens = ApiToken.objects.select_related("shop", "created_by").order_by("name")
    return sorted(tokens, key=lambda token: token.revoked_at is not None)
