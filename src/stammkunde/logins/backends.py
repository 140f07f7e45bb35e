"""The staff login backend: Django's ModelBackend, with fewer queries on every page.

Every staff page used to read, besides the session and the user, whether the user has an
authenticator, whether one of their roles requires two factors, their shop limit (each one
query) and their permissions (two queries: the user's own and their groups'). Here the user's
row comes with those facts as subqueries of the one query that loads it, and the permissions
are read in one query (a union, its SQL compiled once per process).

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
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Exists, Expression, OuterRef, QuerySet

# A stand-in user id, compiled into the statements below to find the places of the user's id
# among their parameters.
_NO_USER = -7_700_001

# Attribute name -> a function returning the expression (with OuterRef("pk") for the user).
_annotations: dict[str, Callable[[], Expression]] = {}


def register_user_annotation(name: str, expression: Callable[[], Expression]) -> None:
    """Load ``expression`` (a subquery on the user, ``OuterRef("pk")``) with every request's
    user as the attribute ``name`` (idempotent per name)."""
    _annotations[name] = expression
    _annotated_users.clear()


# The users' queryset with the annotations, built once per process: resolving the subqueries
# cost about 0.8 ms of CPU per request, more than the queries they replace. Only ever chained
# (and compiled, ``_CompiledUserRead``), never evaluated itself, so requests share nothing but
# its shape and its SQL.
_annotated_users: dict[str, Any] = {}


def _users_with_facts() -> QuerySet:
    if "users" not in _annotated_users:
        annotations = {name: expression() for name, expression in _annotations.items()}
        manager = get_user_model()._default_manager
        _annotated_users["users"] = manager.annotate(**annotations)
    return _annotated_users["users"]


class _CompiledUserRead:
    """``_users_with_facts().filter(pk=...)`` compiled once per process (about 0.5 ms of CPU
    per request for resolving and compiling the query with its subqueries), run with each
    request's user id and turned into a user as the queryset would: the same columns, the
    same converters (SQLite's 0/1 of a subquery becomes False/True), the annotations as
    attributes."""

    def __init__(self, queryset: QuerySet) -> None:
        query = queryset.filter(pk=_NO_USER).order_by().query
        compiler = query.get_compiler(using=queryset.db)
        self.sql, params = compiler.as_sql()
        self.db = queryset.db
        # Each parameter: None for the user's id, else the value itself.
        self.params = [None if param == _NO_USER else param for param in params]
        if None not in self.params:
            raise ImproperlyConfigured("the user's id is not a parameter of its query")
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.model_columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.model_columns]
        ]
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = [
            (position, converters, expression)
            for position, (converters, expression) in compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ).items()
        ]
        if compiler.klass_info.get("related_klass_infos"):
            raise ImproperlyConfigured("the user's query must not select related rows")

    def load(self, user_id: Any) -> Any:
        """The user of ``user_id`` with its facts, or None."""
        pk = self.model._meta.pk.to_python(user_id)
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [pk if param is None else param for param in self.params])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for position, converters, expression in self.converters:
            for converter in converters:
                values[position] = converter(values[position], expression, connection)
        user = self.model.from_db(self.db, self.init_list, values[self.model_columns])
        for name, position in self.annotations:
            setattr(user, name, values[position])
        return user


def _load_user_with_facts(user_id: Any) -> Any:
    if "read" not in _annotated_users:
        _annotated_users["read"] = _CompiledUserRead(_users_with_facts())
    return _annotated_users["read"].load(user_id)


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
        user = _load_user_with_facts(user_id)
        if user is None:
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
            sql, slots = _permissions_statement()
            with connections[Permission.objects.db].cursor() as cursor:
                cursor.execute(sql, [user_obj.pk] * slots)
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return super().get_all_permissions(user_obj, obj)


# The permissions' statement (the union below), compiled once per process: building and
# compiling the two querysets cost about 0.7 ms of CPU on every page, more than running it.
# Only its text is kept; each request runs it with its own user's id.
_permissions_sql: list[tuple[str, int]] = []


def _permissions_statement() -> tuple[str, int]:
    """The SQL reading a user's own and their groups' (app_label, codename) pairs, and how
    many times it takes the user's id."""
    if not _permissions_sql:
        fields = ("content_type__app_label", "codename")
        own = Permission.objects.filter(user=_NO_USER).order_by().values_list(*fields)
        of_groups = Permission.objects.filter(group__user=_NO_USER).order_by()
        union = own.union(of_groups.values_list(*fields))
        sql, params = union.query.get_compiler(using=union.db).as_sql()
        if any(param != _NO_USER for param in params):
            raise ImproperlyConfigured(f"unexpected parameters of the permissions: {params}")
        _permissions_sql.append((sql, len(params)))
    return _permissions_sql[0]


def preloaded(user: Any, name: str) -> Any:
    """The fact ``name`` loaded with ``user`` by StaffBackend, or None when the user was
    loaded otherwise (a test's user object, the API's, the admin's login form)."""
    return getattr(user, name, None)
