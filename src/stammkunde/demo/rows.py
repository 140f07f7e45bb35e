"""Helpers of the demo generator's rows: ids handed out up front, values ready for the database.

The ORM's ``bulk_create`` builds a model instance per row; at five million orders that alone
takes minutes. Here rows are plain tuples with database-ready values, which the owning apps
insert (``customers.bulk``, ``shop.services.generated``, ``timeline.services``).
"""

from __future__ import annotations

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models


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
