"""``INSERT ... ON CONFLICT DO NOTHING`` for many rows, without the ORM's per-object cost.

``bulk_create`` compiles every field of every object, which costs more than the insert itself
when a batch holds thousands of rows. Here the model's defaults are prepared once per call and
only the columns the caller varies are passed per row, through one ``executemany``; that
statement works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, connections, models, router
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

# Values per IN list: well below the bind parameter limits of SQLite (32,766) and PostgreSQL
# (65,535) whatever the batch size.
IN_CHUNK = 5_000


def select_in(sql: str, params: Sequence[Any], values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with ``{in_list}`` where the placeholders of ``values`` go, after
    ``params``) in chunks of IN_CHUNK values and return all rows.

    Plain SQL for lookups by thousands of keys: the ORM prepares every value of an IN list on
    its own, which costs more than the query.
    """
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            cursor.execute(sql.format(in_list=", ".join(["%s"] * len(chunk))), [*params, *chunk])
            rows.extend(cursor.fetchall())
    return rows


def insert_ignore(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
) -> int:
    """Insert ``rows`` (values for ``columns``, ready for the database) and skip conflicts.

    Every other column gets the model field's default (``now`` for auto_now fields). Returns the
    number of rows the database reports as inserted.
    """
    if not rows:
        return 0
    now = timezone.now()
    defaults = {}
    for field in model._meta.concrete_fields:
        # A generated column (Customer.email_reversed) is the database's to fill.
        if field.primary_key or field.column in columns or field.generated:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        value = now if auto else field.get_default()
        defaults[field.column] = field.get_db_prep_save(value, connection)
    quote = connection.ops.quote_name
    tail = f" ON CONFLICT ({', '.join(quote(name) for name in conflict)}) DO NOTHING"
    return _insert(model, columns, rows, tail, defaults)


def _insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    tail: str,
    defaults: dict[str, Any] | None = None,
) -> int:
    """INSERT ``rows`` (values for the ``columns``) into ``model``'s table, ``tail`` appended;
    return how many rows the database inserted. ``defaults`` (column -> value, the same for
    every row) go into the statement as literals, quoted the way Django writes column defaults
    into DDL, so they are neither copied into every row nor bound again for each.

    SQLite runs in-process: one prepared statement executed per row (executemany) is cheapest.
    PostgreSQL gets one statement with one array per column (``unnest``), so that neither the
    server parses a statement per row nor psycopg a multi-row VALUES list or a pipeline step.
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    defaults = defaults or {}
    names = ", ".join(quote(column) for column in (*columns, *defaults))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({names})"
    literals = _literals(defaults.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{element}[]" for element in _array_types(model, columns))
            cursor.execute(
                f"{head} SELECT *{literals} FROM unnest({arrays}){tail}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            row_sql = "(" + ", ".join(["%s"] * len(columns)) + literals + ")"
            cursor.executemany(f"{head} VALUES {row_sql}{tail}", rows)
        return max(cursor.rowcount, 0)


def _literals(values: Iterable[Any]) -> str:
    """``", v1, v2"``: the values as SQL literals, quoted as Django quotes column defaults in
    DDL, with "%" doubled for the driver's %s formatting of the statement."""
    values = list(values)
    if not values:
        return ""
    connection.ensure_connection()  # quoting on PostgreSQL asks the connection
    quote_value = connection.SchemaEditorClass(connection).quote_value
    return "".join(f", {quote_value(value)}" for value in values).replace("%", "%%")


def _array_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """The PostgreSQL type of each column without its modifier (``varchar``, not
    ``varchar(100)``): a cast to ``varchar(100)[]`` would cut longer values silently, while the
    column itself refuses them as a one-row INSERT would."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    return [
        re.sub(r"\(.*\)", "", by_column[column].db_type(connection) or "text").strip()
        for column in columns
    ]


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (values for the fields named ``columns``, ready for the database) in as
    few statements as the database likes (see ``_insert``). ``constants`` (field name -> value
    ready for the database) are the same for every row and written into the statement once.

    For rows whose ids nobody needs back (log entries, order lines): ``bulk_create`` prepares
    every field of every instance, which costs more than the insert itself.
    """
    if not rows:
        return
    names = [model._meta.get_field(name).column for name in columns]
    defaults = {
        model._meta.get_field(name).column: value for name, value in (constants or {}).items()
    }
    _insert(model, names, list(rows), "", defaults)


# The INSERT of ``insert_one`` by database alias and model: (SQL, the fields it writes), or
# None for a model it leaves to ``save()``.
_ONE_ROW_INSERTS: dict[tuple[str, type[models.Model]], tuple[str, list[Any]] | None] = {}


def insert_one(obj: models.Model) -> None:
    """Insert the new instance ``obj`` as ``obj.save()`` would, with its INSERT built once per
    model instead of on every call: for a model of twenty fields Django's save path (the
    insert query, its compilation, the signals' bookkeeping) costs several times the
    statement.

    Plain models only: one with save signal receivers, database defaults, generated or
    returned columns, a parent model or a primary key already set is saved by ``save()``.
    """
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    db = connections[using]
    key = (using, model)
    if key not in _ONE_ROW_INSERTS:
        _ONE_ROW_INSERTS[key] = _one_row_insert(model, db)
    prepared = _ONE_ROW_INSERTS[key]
    if (
        prepared is None
        or obj.pk is not None
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        obj.save(using=using)
        return
    sql, fields = prepared
    obj._prepare_related_fields_for_save(operation_name="save")
    values = [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        (pk,) = cursor.fetchone()
    setattr(obj, model._meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = using


def _one_row_insert(model: type[models.Model], db: Any) -> tuple[str, list[Any]] | None:
    """The INSERT ... RETURNING of ``insert_one`` for ``model``, or None when it is to be
    saved by ``save()``."""
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if (
        meta.auto_field is None
        or meta.parents
        or not db.features.can_return_columns_from_insert
        or list(meta.db_returning_fields) != [meta.auto_field]
        or any(field.generated or field.db_default is not models.NOT_PROVIDED for field in fields)
    ):
        return None
    quote = db.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
        f" RETURNING {quote(meta.auto_field.column)}"
    )
    return sql, fields


def update_rows(instances: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each instance by primary key, in one statement on PostgreSQL
    (``UPDATE ... FROM unnest(...)``) and one prepared UPDATE per row on SQLite.

    ``QuerySet.bulk_update`` builds a CASE expression per field and row, which for a batch of a
    hundred costs many times the statements themselves. auto_now fields are not touched here:
    list them in ``fields`` and set them on the instances.
    """
    if not instances:
        return
    model = type(instances[0])
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in concrete]
        + [obj.pk]
        for obj in instances
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [field.column for field in concrete]
            # The unnested columns are named v0, v1, ... and the last one holds the key.
            assignments = ", ".join(
                f"{quote(column)} = new.v{index}" for index, column in enumerate(columns)
            )
            types = _array_types(model, [*columns, meta.pk.column])
            arrays = ", ".join(f"%s::{element}[]" for element in types)
            names = ", ".join(f"v{index}" for index in range(len(types)))
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS new({names})"
                f" WHERE {table}.{pk} = new.v{len(columns)}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows)


# Per-connection SQLite settings for the length of an import: a page cache of up to 256 MB,
# since the default 2 MB no longer holds the indexes of orders, lines and timeline once they
# reach a few hundred thousand rows (every insert would reread index pages), and a checkpoint
# every 200 MB of WAL instead of every 4 MB, so that the pages a batch's commit wrote are copied
# into the database file fewer times. (A million order lines make a database of about 250 MB.)
SQLITE_BULK_PRAGMAS = {"cache_size": -256 * 1024, "wal_autocheckpoint": 50_000}


@contextlib.contextmanager
def sqlite_bulk_write_settings() -> Iterator[None]:
    """Apply SQLITE_BULK_PRAGMAS during a bulk write, then restore the previous values."""
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for name, value in SQLITE_BULK_PRAGMAS.items():
            cursor.execute(f"PRAGMA {name}")
            (previous[name],) = cursor.fetchone()
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


@contextlib.contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector's way during a bulk run.

    A bulk run allocates container objects by the hundred thousand (the rows of a batch); every
    third or so of the collections they trigger would traverse the whole heap, most of it the
    framework's objects (modules, models, settings) that live as long as the process. Frozen
    (``gc.freeze``), those are left out; what the run allocates is collected as usual, and
    afterwards everything is collected as before (``gc.unfreeze``). Process-wide, like the
    collector: another thread's objects are frozen for a while too, which costs nothing.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def collected_between_batches() -> Iterator[Callable[[], None]]:
    """Turn the automatic garbage collection off for a bulk run and give the run a function
    to call after each batch, which collects what the batch left (``gc.collect``).

    A batch allocates its rows by the ten thousand, and they live until the batch is written:
    the automatic collections they trigger (one per 700 new objects) traverse the same live
    rows again and again, and promote them into generations that a later, full collection
    traverses once more; in the import of a million order lines that was half a CPU second
    of the writing process. After the batch those rows are gone, so one collection then
    traverses only what the run still holds (with ``heap_frozen``: little). Cyclic garbage of
    other threads waits for the next batch's end, a few seconds at most. The previous state
    (on or off) is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield gc.collect
    finally:
        if enabled:
            gc.enable()


class RowTable:
    """A model's table with a fixed column list, for raw ``executemany`` inserts of rows that
    carry every value themselves, ids included (generated data: the demo shop)."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = list(columns)
        quote = connection.ops.quote_name
        names = ", ".join(quote(column) for column in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        """Insert the rows (each a tuple in column order), 50,000 per ``executemany``."""
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 50_000):
                cursor.executemany(self.sql, rows[start : start + 50_000])
