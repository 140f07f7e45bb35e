"""Raw row inserts for the demo generator: ids handed out up front, executemany per table.

The ORM's ``bulk_create`` builds a model instance per row; at five million orders that alone
takes minutes. Here rows are plain tuples with database-ready values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models


class Table:
    """A model's table with a fixed column list, for raw ``executemany`` inserts."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        self.columns = list(columns)
        quote = connection.ops.quote_name
        names = ", ".join(quote(column) for column in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"

    def insert(self, rows: Iterable[tuple]) -> None:
        """Insert the rows (each a tuple in column order)."""
        rows = list(rows) if not isinstance(rows, list) else rows
        if not rows:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 50_000):
                cursor.executemany(self.sql, rows[start : start + 50_000])


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of a table (ids are handed out by the generator)."""
    current = model.objects.aggregate(top=models.Max("pk"))["top"]
    return (current or 0) + 1


def reset_sequences(model_list: list[type[models.Model]]) -> None:
    """After inserts with explicit ids, move PostgreSQL's sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def timestamps(seconds: np.ndarray) -> list[str]:
    """Unix seconds (UTC) as the text the database backend expects for a DateTimeField."""
    if len(seconds) == 0:
        return []
    text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    # Django's SQLite backend stores naive UTC "YYYY-MM-DD HH:MM:SS" for aware datetimes.
    return text.tolist()


def optional_timestamps(seconds: np.ndarray, present: np.ndarray) -> list[str | None]:
    """Like ``timestamps`` with None where ``present`` is False."""
    text = timestamps(seconds)
    return [value if flag else None for value, flag in zip(text, present.tolist(), strict=True)]


def money(values: np.ndarray) -> list[float]:
    """Amounts rounded to cents, as floats the decimal columns accept."""
    return np.round(values, 2).tolist()
