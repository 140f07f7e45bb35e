"""Reads of a fixed shape whose SQL is built and compiled once, then run with new values.

Django builds a queryset's query and compiles it to SQL on every evaluation: for the small
reads a staff page makes by the dozen (a customer by id, their consents, their cases) that
costs 0.2 to 1 ms of CPU each, five to twenty times the cost of running the statement. A
``CompiledRead`` keeps what Django computes from the shape: the SQL text, the columns, the
converters, how rows become model instances. Each call only puts its values in the
parameters, runs the statement and turns rows into what the queryset would have given (model
instances with their ``select_related`` objects and annotations, tuples, flat values or
dicts).

The values are found in the compiled parameters by stand-ins: the queryset is built once with
a stand-in per value (an unlikely number, text or moment, or a list of one stand-in number for
an ``IN``), and each stand-in must come out as one parameter unchanged (a value Django
transforms, as ``__istartswith`` does, is refused when compiling). So a ``CompiledRead`` is for
exact comparisons of ids, keys, states and moments; anything else stays a plain queryset.

Compiled per database connection (each thread has its own), kept for the process: the shape
never changes, and nothing of one call's values or rows is kept.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.utils import timezone

# The kinds of value a compiled read takes (``CompiledRead(build, customer_id=ID)``).
ID = "id"  # an integer (a primary or foreign key, a count)
TEXT = "text"  # a string compared exactly
MOMENT = "moment"  # an aware datetime compared with a DateTimeField
IDS = "ids"  # a list of integers (``field__in=``)
CONTAINED = "contained"  # a string a text field contains (``field__contains=``)
DAY = "day"  # a date compared with a DateField

_KINDS = (ID, TEXT, MOMENT, IDS, CONTAINED, DAY)
# The range of the databases' 64-bit integer columns. A value outside (an id typed into a URL,
# /customers/99999999999999999999/) made SQLite raise OverflowError and PostgreSQL a DataError,
# so the page answered 500 instead of 404.
_SMALLEST, _LARGEST = -(2**63), 2**63 - 1
_PLACEHOLDER = re.compile(r"%%|%s")


def _stand_in(kind: str, number: int) -> Any:
    if kind in (ID, IDS):
        value = -7_300_000_000 - number
        return [value] if kind == IDS else value
    if kind in (TEXT, CONTAINED):
        return f"\x1fcompiled-read-{number}\x1f"
    if kind == DAY:
        return date(1903, 2, 3) + timedelta(days=number)
    return datetime(1903, 2, 3, 4, 5, number, 123_457, tzinfo=UTC)


class _Compiled:
    """One queryset shape compiled for one connection."""

    def __init__(self, queryset: QuerySet, kinds: dict[str, str], connection: Any) -> None:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        self.pieces, self.slots = _slots(sql, list(params), kinds, connection)
        self.col_count = compiler.col_count
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(columns).items())
        self.iterable = queryset._iterable_class
        self.db = queryset.db
        if queryset._prefetch_related_lookups:
            raise ImproperlyConfigured("a compiled read cannot prefetch related objects")
        if self.iterable is ModelIterable:
            klass_info = compiler.klass_info
            fields = klass_info["select_fields"]
            self.model = klass_info["model"]
            self.model_columns = slice(fields[0], fields[-1] + 1)
            self.init_list = [
                column[0].target.attname for column in compiler.select[self.model_columns]
            ]
            self.populators = get_related_populators(klass_info, compiler.select, self.db)
            self.annotations = list(compiler.annotation_col_map.items())
        elif self.iterable is ValuesIterable:
            query = queryset.query
            self.names = list(query.selected or ()) or [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        elif self.iterable not in (ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured(f"a compiled read cannot give {self.iterable.__name__}")

    def run(self, values: dict[str, Any], connection: Any) -> list[Any]:
        params: list[Any] = []
        sql_parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            name, kind, constant = slot
            if name is None:
                params.append(constant)
                sql_parts.append("%s")
            elif kind == IDS:
                # An id out of the column's range is no row's: left out.
                ids = [
                    number
                    for number in dict.fromkeys(int(value) for value in values[name])
                    if _SMALLEST <= number <= _LARGEST
                ]
                if not ids:
                    return []  # ``IN ()`` matches nothing, as Django's EmptyResultSet
                params.extend(ids)
                sql_parts.append(", ".join(["%s"] * len(ids)))
            elif kind == MOMENT:
                params.append(connection.ops.adapt_datetimefield_value(_aware(values[name])))
                sql_parts.append("%s")
            elif kind == DAY:
                params.append(connection.ops.adapt_datefield_value(values[name]))
                sql_parts.append("%s")
            elif kind == CONTAINED:
                # As Django's ``contains`` lookup: the text with LIKE's wildcards escaped.
                params.append(f"%{connection.ops.prep_for_like_query(str(values[name]))}%")
                sql_parts.append("%s")
            else:
                # An id out of range is held at the range's end: no row has it (an equal
                # finds none), and an order compares as with the value itself.
                value = values[name]
                params.append(
                    min(max(int(value), _SMALLEST), _LARGEST) if kind == ID else str(value)
                )
                sql_parts.append("%s")
            sql_parts.append(piece)
        with connection.cursor() as cursor:
            cursor.execute("".join(sql_parts), params)
            rows = cursor.fetchall()
        return self._results(rows, connection)

    def _results(self, rows: list[tuple], connection: Any) -> list[Any]:
        converted = []
        for raw in rows:
            row = list(raw[: self.col_count])
            for position, (converters, expression) in self.converters:
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
            converted.append(row)
        if self.iterable is ModelIterable:
            return [self._instance(row) for row in converted]
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in converted]
        if self.iterable is ValuesIterable:
            return [dict(zip(self.names, row, strict=True)) for row in converted]
        return [tuple(row) for row in converted]

    def _instance(self, row: list[Any]) -> Any:
        instance = self.model.from_db(self.db, self.init_list, row[self.model_columns])
        for populator in self.populators:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance


def _aware(moment: datetime) -> datetime:
    # As DateTimeField.get_prep_value: a naive moment is taken in the default time zone.
    if settings.USE_TZ and timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _slots(
    sql: str, params: list[Any], kinds: dict[str, str], connection: Any
) -> tuple[list[str], list[tuple[str | None, str, Any]]]:
    """The SQL cut at its placeholders, and per placeholder which value goes there (a name
    and kind, or None and the constant Django compiled)."""
    pieces, start = [], 0
    for match in _PLACEHOLDER.finditer(sql):
        if match.group() == "%s":
            pieces.append(sql[start : match.start()])
            start = match.end()
    pieces.append(sql[start:])
    if len(pieces) - 1 != len(params):
        raise ImproperlyConfigured("the compiled SQL's placeholders do not match its parameters")
    wanted = {}
    for number, (name, kind) in enumerate(kinds.items()):
        stand_in = _stand_in(kind, number)
        if kind == IDS:
            stand_in = stand_in[0]
        elif kind == MOMENT:
            stand_in = connection.ops.adapt_datetimefield_value(stand_in)
        elif kind == CONTAINED:
            stand_in = f"%{stand_in}%"
        elif kind == DAY:
            stand_in = connection.ops.adapt_datefield_value(stand_in)
        wanted[_key(stand_in)] = (name, kind)
    slots: list[tuple[str | None, str, Any]] = []
    found = set()
    for index, param in enumerate(params):
        named = wanted.get(_key(param))
        if named is None:
            slots.append((None, "", param))
            continue
        name, kind = named
        if kind == IDS and not (
            pieces[index].rstrip().endswith("IN (") and pieces[index + 1].startswith(")")
        ):
            raise ImproperlyConfigured(f"{name}: a list of ids must be one IN (...) alone")
        slots.append((name, kind, None))
        found.add(name)
    missing = set(kinds) - found
    if missing:
        raise ImproperlyConfigured(f"values not found among the compiled parameters: {missing}")
    return pieces, slots


def _key(value: Any) -> tuple[str, Any]:
    # 1 == True == 1.0 in a dict: the type keeps a constant from passing for a stand-in. An
    # integer subclass other than bool counts as an int: on PostgreSQL Django hands an
    # integer field's value to psycopg wrapped in its type (Int8, Int4: subclasses of int), so
    # the stand-in compared with a plain integer field came out as Int8(-7300000000) and the
    # customer page's audit trail was refused ("values not found") with a 500.
    if isinstance(value, int) and not isinstance(value, bool):
        return ("int", int(value))
    return (type(value).__name__, value if isinstance(value, str) else str(value))


class CompiledRead:
    """A queryset of a fixed shape, compiled once per connection and run with new values.

    ``build`` takes the values by name and returns the queryset; ``kinds`` name each value's
    kind (``ID``, ``TEXT``, ``MOMENT``, ``IDS``)::

        consents = CompiledRead(
            lambda customer_id: ConsentEvent.objects.filter(customer_id=customer_id),
            customer_id=ID,
        )
        consents.fetch(customer_id=7)   # what list(queryset) would give

    The queryset may select related objects and annotate, not prefetch; ``values()`` and
    ``values_list()`` (also ``flat=True``) give what they give on a queryset.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: str) -> None:
        unknown = {kind for kind in kinds.values() if kind not in _KINDS}
        if unknown:
            raise ImproperlyConfigured(f"unknown kinds of value: {unknown}")
        self.build = build
        self.kinds = kinds
        self._by_connection: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    def fetch(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Any]:
        """Every row, as ``list(build(**values))`` would give them."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"values for {sorted(self.kinds)} expected, got {sorted(values)}")
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            stand_ins = {
                name: _stand_in(kind, number)
                for number, (name, kind) in enumerate(self.kinds.items())
            }
            queryset = self.build(**stand_ins).using(using)
            compiled = _Compiled(queryset, self.kinds, connection)
            self._by_connection[connection] = compiled
        return compiled.run(values, connection)

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        """The first row or None (the queryset decides order and limit: ``[:1]``)."""
        rows = self.fetch(using=using, **values)
        return rows[0] if rows else None
