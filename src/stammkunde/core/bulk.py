"""``INSERT ... ON CONFLICT DO NOTHING`` for many rows, without the ORM's per-object cost.

``bulk_create`` compiles every field of every object, which costs more than the insert itself
when a batch holds thousands of rows. Here the model's defaults are prepared once per call and
only the columns the caller varies are passed per row, through one ``executemany``; that
statement works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


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
    fixed_columns, fixed_values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        value = now if auto else field.get_default()
        fixed_columns.append(field.column)
        fixed_values.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in (*columns, *fixed_columns))
    placeholders = ", ".join(["%s"] * (len(columns) + len(fixed_columns)))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"
        f" ON CONFLICT ({', '.join(quote(name) for name in conflict)}) DO NOTHING"
    )
    fixed = tuple(fixed_values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, *fixed) for row in rows])
        return max(cursor.rowcount, 0)
