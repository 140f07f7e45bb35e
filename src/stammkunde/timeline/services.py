"""The one function through which every app writes to the timeline."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from stammkunde.core.bulk import RowTable, insert_ignore
from stammkunde.core.holding import holding
from stammkunde.timeline.models import Activity, ActivityKind, Channel, Direction
from stammkunde.timeline.parameters import check_params

# The longest line as written ({"text": ...}) an entry keeps; the full text goes to ``body``.
TEXT_MAX = 300


class ActivityRow(NamedTuple):
    """One timeline entry as plain values, for writers that add thousands at once.

    ``params`` are the kind's parameters (``timeline.parameters.PARAMETERS``), never a sentence.
    Build it with keywords: ``ActivityRow(customer_id=..., kind=..., occurred_at=..., params=...)``.
    """

    customer_id: int
    kind: str
    occurred_at: datetime
    params: Mapping[str, Any]
    channel: str = Channel.INTERNAL
    direction: str = Direction.INTERNAL
    actor_label: str = ""
    subject_type: str = ""
    subject_id: int | None = None
    dedupe_key: str | None = None


ACTIVITY_ROW_COLUMNS = ActivityRow._fields


def record_activity(
    *,
    customer_id: int,
    kind: ActivityKind,
    params: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    channel: Channel = Channel.INTERNAL,
    direction: Direction = Direction.INTERNAL,
    actor: Any | None = None,
    actor_label: str = "",
    body: str = "",
    subject: Any | None = None,
    duration_seconds: int | None = None,
    dedupe_key: str | None = None,
) -> Activity:
    """Add one entry to a customer's timeline and return it.

    ``params`` are what the kind's sentence needs (``timeline.parameters.PARAMETERS``: order
    number, amount and currency, carrier, reason...), as plain JSON values; the sentence is made
    in the reader's language when the entry is shown. Somebody's own words (a note, a call
    summary) go in as ``{"text": ...}`` and are shown as written; a ``ValueError`` says when
    the params do not fit the kind.

    ``actor`` is the staff user who acted (None for the system, then ``actor_label`` names the
    source, e.g. "Shopify" or "Import"). ``subject`` is the model instance the entry is about.
    With a ``dedupe_key`` the call is idempotent: an existing entry with that key is returned.
    """
    params = dict(params or {})
    check_params(kind, params)
    if isinstance(params.get("text"), str):
        params["text"] = params["text"][:TEXT_MAX]
    if dedupe_key:
        existing = Activity.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    user = actor if getattr(actor, "is_authenticated", False) else None
    activity = Activity(
        customer_id=customer_id,
        kind=kind,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at or timezone.now(),
        actor=user,
        actor_label=actor_label or (user.get_full_name() or user.get_username() if user else ""),
        params=params,
        body=body,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        duration_seconds=duration_seconds,
        dedupe_key=dedupe_key,
    )
    if not dedupe_key:
        held = _held.get()
        if held is not None and user is None and not body and duration_seconds is None:
            held.append(
                ActivityRow(
                    customer_id=customer_id,
                    kind=str(kind),
                    occurred_at=activity.occurred_at,
                    params=params,
                    channel=str(channel),
                    direction=str(direction),
                    actor_label=activity.actor_label,
                    subject_type=activity.subject_type,
                    subject_id=activity.subject_id,
                )
            )
            return activity
        activity.save()
        return activity
    # A concurrent writer may insert the same key between our check and our insert.
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        return Activity.objects.get(dedupe_key=dedupe_key)
    return activity


_held: ContextVar[list[ActivityRow] | None] = ContextVar("timeline_held", default=None)


@contextmanager
def held_activities() -> Iterator[list[ActivityRow]]:
    """Inside the block ``record_activity`` holds the system's plain entries (no staff actor,
    body, duration or dedupe key) in the yielded list instead of writing each with its own
    INSERT, and returns them unsaved (no pk); the caller writes the list with
    ``record_activity_rows`` in the same transaction (intake's groups of mails). What is not
    written when the block ends is dropped, as a rolled-back INSERT would be."""
    with holding(_held) as held:
        yield held


def record_activities_bulk(activities: list[Activity], *, batch_size: int = 2000) -> int:
    """Insert many prepared entries at once (importers, demo data); entries whose
    ``dedupe_key`` already exists are skipped. Returns how many were offered."""
    for activity in activities:
        check_params(activity.kind, activity.params)
    Activity.objects.bulk_create(activities, batch_size=batch_size, ignore_conflicts=True)
    return len(activities)


def record_activity_rows(rows: Iterable[ActivityRow]) -> int:
    """Insert many entries without building model instances (importers); entries whose
    ``dedupe_key`` already exists are skipped. Returns how many were inserted.

    ``record_activities_bulk`` costs about 100 µs per entry in ``bulk_create``; an import of a
    million order lines writes hundreds of thousands of entries, so here the values go straight
    to one ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING``.
    """
    adapt = connection.ops.adapt_datetimefield_value
    encode = params_to_db()
    rows = list(rows)
    for row in rows:
        check_params(row.kind, row.params)
    values = [
        (
            row.customer_id,
            row.kind,
            adapt(row.occurred_at),
            encode(row.params),
            row.channel,
            row.direction,
            row.actor_label,
            row.subject_type,
            row.subject_id,
            row.dedupe_key,
        )
        for row in rows
    ]
    return insert_ignore(Activity, ACTIVITY_ROW_COLUMNS, values, conflict=("dedupe_key",))


def record_activity_row(row: ActivityRow) -> int:
    """Insert one entry given as plain values, skipping it when its ``dedupe_key`` exists;
    returns 1 if inserted, else 0.

    For writers that add one entry per item at a high rate (the outbox worker, once per sent
    message): one statement written once per database vendor with every value bound, where
    ``record_activity`` looks the key up, opens a savepoint and saves a model, and
    ``record_activity_rows`` prepares the model's defaults again on each call.
    """
    check_params(row.kind, row.params)
    values = (
        row.customer_id,
        row.kind,
        connection.ops.adapt_datetimefield_value(row.occurred_at),
        _PARAMS_ENCODER.encode(row.params),
        row.channel,
        row.direction,
        row.actor_label,
        row.subject_type,
        row.subject_id,
        row.dedupe_key,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        "",
    )
    with connection.cursor() as cursor:
        cursor.execute(_single_row_sql(connection.vendor), values)
        return max(cursor.rowcount, 0)


@functools.cache
def _single_row_sql(vendor: str) -> str:
    # Per vendor: quoting and the JSON cast differ (the text goes into PostgreSQL's jsonb).
    quote = connection.ops.quote_name
    columns = (*ACTIVITY_ROW_COLUMNS, "recorded_at", "body")
    fields = {field.attname: field.column for field in Activity._meta.concrete_fields}
    names = ", ".join(quote(fields[name]) for name in columns)
    marks = ["%s"] * len(columns)
    if vendor == "postgresql":
        marks[ACTIVITY_ROW_COLUMNS.index("params")] = "%s::jsonb"
    return (
        f"INSERT INTO {quote(Activity._meta.db_table)} ({names}) VALUES ({', '.join(marks)})"
        f" ON CONFLICT ({quote(fields['dedupe_key'])}) DO NOTHING"
    )


def record_activity_values(values: Sequence[Sequence[Any]]) -> int:
    """Insert many entries given as values ready for the database (importers that hold them
    already); entries whose ``dedupe_key`` already exists are skipped. Returns how many were
    inserted.

    Each item holds the fields of ``ActivityRow`` in that order, with ``occurred_at`` already
    adapted by ``connection.ops.adapt_datetimefield_value`` and ``params`` encoded by the
    function ``params_to_db()`` returns: ``record_activity_rows`` would adapt every time again,
    which for an import of a million order lines is a measurable share of the run.
    """
    return insert_ignore(Activity, ACTIVITY_ROW_COLUMNS, values, conflict=("dedupe_key",))


# The columns of a generated timeline entry (the demo generator), in order.
GENERATED_ACTIVITY_COLUMNS = (
    "customer_id", "kind", "channel", "direction", "occurred_at", "recorded_at", "actor_id",
    "actor_label", "params", "body", "subject_type", "subject_id", "duration_seconds",
)  # fmt: skip


def record_generated_activities(rows: Iterable[Sequence[Any]]) -> None:
    """Insert generated timeline entries (the demo's history), each a tuple of values ready
    for the database in GENERATED_ACTIVITY_COLUMNS order (``params`` encoded by the function
    ``params_to_db()`` returns)."""
    RowTable(Activity, GENERATED_ACTIVITY_COLUMNS).insert(rows)


def params_to_db() -> Callable[[Mapping[str, Any]], str]:
    """How ``params`` go into a raw insert: JSON text, which SQLite stores as it is and
    PostgreSQL casts to ``jsonb`` (what ``JSONField`` would send, without its per-value
    adapter objects)."""
    return _PARAMS_ENCODER.encode


def text_param_to_db(name: str) -> Callable[[str], str]:
    """``params_to_db()`` for entries whose only parameter is the text ``name`` (an imported
    order's number): the same JSON text, built around each encoded value instead of by the
    encoder per entry, which costs ten times more (an import writes an entry per order)."""
    # What the encoder writes for {name: value}: ensure_ascii=False encodes keys and values with
    # encode_basestring, and the separators leave no spaces.
    head = "{" + encode_basestring(name) + ":"
    return lambda value: head + encode_basestring(value) + "}"


# One encoder for all rows: json.dumps with options builds a new one per call, which in an
# import of a million lines costs a second.
_PARAMS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
