"""The staff login backend: Django's ModelBackend, with fewer queries on every page.

Every staff page used to read, besides the session and the user, whether the user has an
authenticator, whether one of their roles requires two factors, their shop limit (each one
query) and their permissions (two queries: the user's own and their groups'). Here the user's
row comes with those facts as subqueries of the one query that loads it, and the permissions
are read in one query (a union).

Nothing is kept beyond the request: the facts are read afresh with the user at the start of
each request, exactly as often as Django reads the user and its permissions itself, so a
changed role, a revoked permission, a removed authenticator or a new shop limit takes effect
on the next request, as before. Code that changes these facts during a request and reads them
again (the two-factor setup page) asks the queries in ``logins/queries.py``, which still read
the database; only the two-factor gate and the shop limit take the preloaded value.

Other apps add their facts with ``register_user_annotation`` (the shop app: the shop limit),
so this app needs no import of the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, Expression, OuterRef, QuerySet

# Attribute name -> a function returning the expression (with OuterRef("pk") for the user).
_annotations: dict[str, Callable[[], Expression]] = {}


def register_user_annotation(name: str, expression: Callable[[], Expression]) -> None:
    """Load ``expression`` (a subquery on the user, ``OuterRef("pk")``) with every request's
    user as the attribute ``name`` (idempotent per name)."""
    _annotations[name] = expression
    _annotated_users.clear()


# The users' queryset with the annotations, built once per process: resolving the subqueries
# cost about 0.8 ms of CPU per request, more than the queries they replace. Only ever chained
# (``.get()`` clones it), never evaluated itself, so requests share nothing but its shape.
_annotated_users: dict[str, QuerySet] = {}


def _users_with_facts() -> QuerySet:
    if "users" not in _annotated_users:
        annotations = {name: expression() for name, expression in _annotations.items()}
        manager = get_user_model()._default_manager
        _annotated_users["users"] = manager.annotate(**annotations)
    return _annotated_users["users"]


# The two-factor facts the gate (logins/middleware.py) needs on every page.
HAS_AUTHENTICATOR = "_stammkunde_has_authenticator"
TWO_FACTOR_REQUIRED = "_stammkunde_two_factor_required"


def _has_authenticator() -> Expression:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))


def _two_factor_required() -> Expression:
    from stammkunde.logins.models import RoleSecurity

    return Exists(RoleSecurity.objects.filter(group__user=OuterRef("pk"), require_two_factor=True))


register_user_annotation(HAS_AUTHENTICATOR, _has_authenticator)
register_user_annotation(TWO_FACTOR_REQUIRED, _two_factor_required)


class StaffBackend(ModelBackend):
    """ModelBackend whose ``get_user`` loads the registered facts with the user, and whose
    permissions are one query instead of two."""

    def get_user(self, user_id: Any) -> Any:
        """The user with the registered annotations, or None (as ModelBackend)."""
        user_model = get_user_model()
        try:
            user = _users_with_facts().get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """As ModelBackend (the same set, cached on the user object for its request), read in
        one query: the user's own permissions and their groups' together."""
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and not user_obj.is_superuser
            and not hasattr(user_obj, "_perm_cache")
        ):
            fields = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).order_by().values_list(*fields)
            of_groups = (
                Permission.objects.filter(group__user=user_obj).order_by().values_list(*fields)
            )
            user_obj._perm_cache = {
                f"{app_label}.{codename}" for app_label, codename in own.union(of_groups)
            }
        return super().get_all_permissions(user_obj, obj)


def preloaded(user: Any, name: str) -> Any:
    """The fact ``name`` loaded with ``user`` by StaffBackend, or None when the user was
    loaded otherwise (a test's user object, the API's, the admin's login form)."""
    return getattr(user, name, None)
