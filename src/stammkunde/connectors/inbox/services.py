"""Writes of the webhook inbox: receive a delivery, and put a failed one back in the queue.

Life of a delivery::

    received ──process──> processed
       │  └─(unexpected error, attempts left)─> received again, next_attempt_at = backoff
       │  └─(PayloadError / ApplyError, or out of attempts)─> failed ──reprocess──> received
    duplicate / rejected / ignored are final and never processed.

Receiving stores the raw delivery with one INSERT (a prepared statement, see ``_insert``)
before the shop gets its 200; processing happens in the background (``inbox.processing``, run
by ``connectors.tasks.process_inbox``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.connectors.inbox.applying import MAX_ATTEMPTS, RETRY_BASE_DELAY, BatchResult
from stammkunde.connectors.inbox.processing import (
    enqueue_processing,
    process_delivery,
    process_waiting,
)
from stammkunde.connectors.models import DeliveryState, WebhookDelivery
from stammkunde.connectors.platforms import PayloadError, adapter_for
from stammkunde.core import error_reasons
from stammkunde.core.retrying import ThrottledEnqueue, reopen
from stammkunde.core.sqlite.base import write_turn

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_BODY_BYTES",
    "RETRY_BASE_DELAY",
    "BatchResult",
    "enqueue_processing",
    "process_delivery",
    "process_waiting",
    "receive",
    "reprocess",
]

# Bodies above this size are answered 413 unread. Shopify and WooCommerce orders with hundreds
# of lines stay far below it (an order line is about 1 kB of JSON).
MAX_BODY_BYTES = 2 * 1024 * 1024
# Request headers never stored: they may carry our own credentials (REST API token, session).
_SECRET_HEADERS = {"authorization", "cookie", "x-api-key", "x-csrftoken"}


def storable_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers worth keeping in the inbox, without credentials."""
    return {
        str(name): str(value)[:2000]
        for name, value in headers.items()
        if str(name).lower() not in _SECRET_HEADERS
    }


def receive(
    shop: Any,
    headers: Mapping[str, str],
    body: bytes,
    *,
    verified: bool,
    source: str = "webhook",
) -> WebhookDelivery:
    """Store one delivery of ``shop`` and, if it is new and valid, enqueue its processing.

    ``verified`` says whether the caller checked the signature (or the API token). An
    unverified delivery is stored as rejected and not processed; a ping is stored as ignored; a
    delivery id seen before for this shop is stored as duplicate. Raises ``PayloadError`` (after
    recording the delivery as rejected) when the body cannot be identified; the caller answers
    4xx. ``headers`` may be any case-insensitive mapping, e.g. ``request.headers``.
    """
    try:
        adapter = adapter_for(shop.platform)
    except KeyError:
        raise PayloadError(_("This shop's platform does not receive webhooks.")) from None
    common = {
        "shop": shop,
        "platform": shop.platform,
        "source": source,
        "headers": storable_headers(headers),
        "body": body,
        "received_at": timezone.now(),
    }
    if not verified:
        info = _identify_quietly(adapter, headers, body)
        return _create(
            **common,
            **info,
            state=DeliveryState.REJECTED,
            error="signature missing or wrong",
            error_code=error_reasons.SIGNATURE,
        )
    try:
        info = adapter.identify(headers, body)
    except PayloadError as exc:
        _create(
            **common,
            state=DeliveryState.REJECTED,
            error=str(exc),
            error_code=error_reasons.PAYLOAD_INVALID,
        )
        raise
    fields = {
        **common,
        "topic": info.topic[:100],
        "delivery_id": info.delivery_id[:200],
        "resource_key": info.resource_key[:200],
        "resource_updated_at": info.resource_updated_at,
    }
    if info.is_ping:
        return _create(**fields, state=DeliveryState.IGNORED)
    return _store_first_or_duplicate(fields)


def _create(**fields: Any) -> WebhookDelivery:
    """``WebhookDelivery.objects.create(**fields)``, with the cheaper INSERT of ``_insert``."""
    delivery = WebhookDelivery(**fields)
    _insert(delivery)
    return delivery


def _insert(delivery: WebhookDelivery) -> None:
    """INSERT a new delivery and set its id, as ``save()`` would, at a fraction of the cost.

    On the webhook path the ORM's save (building and compiling the INSERT for each delivery)
    took longer than the database's work. The statement comes from the model's fields (built
    once per database) and the values from each field's ``get_db_prep_save``, like the ORM's.
    Should anything ever listen to this model's save signals, the ORM's save is used instead.
    """
    if pre_save.has_listeners(WebhookDelivery) or post_save.has_listeners(WebhookDelivery):
        delivery.save(force_insert=True)
        return
    alias = router.db_for_write(WebhookDelivery)
    connection = connections[alias]
    sql, fields, returning = _insert_statement(alias)
    params = []
    for field, as_is in zip(fields, _as_is_flags(alias), strict=True):
        value = getattr(delivery, field.attname)
        # Text, numbers, ids and SQL NULLs go to the database as they are (what their fields'
        # conversion would return for them); dates, JSON and bytes take the field's conversion.
        if as_is and (value is None or type(value) in _AS_IS_TYPES):
            params.append(value)
        else:
            params.append(field.get_db_prep_save(value, connection))
    if connection.vendor in _RAW_VENDORS and not (
        connection.queries_logged or connection.execute_wrappers
    ):
        delivery.pk = _execute_raw(connection, sql, params, returning)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if returning:
                delivery.pk = cursor.fetchone()[0]
            else:
                delivery.pk = connection.ops.last_insert_id(
                    cursor, WebhookDelivery._meta.db_table, WebhookDelivery._meta.pk.column
                )
    delivery._state.adding = False
    delivery._state.db = alias


# Databases whose driver takes ``_insert_statement``'s SQL as it is (SQLite once its %s are ?).
_RAW_VENDORS = frozenset({"sqlite", "postgresql"})


def _execute_raw(connection: Any, sql: str, params: list[Any], returning: bool) -> int:
    """Run the INSERT on the driver's own cursor and return the new id.

    Django's cursor wrapper (a wrapped cursor object per statement, the %s-to-? rewrite of the
    whole statement by a regular expression on SQLite, the execute-wrapper chain) was about a
    third of the INSERT's CPU time. What it guarantees is kept: the connection is opened and
    health-checked as ``connection.cursor()`` would, a statement in a broken transaction is
    refused, and driver errors become Django's (an ``IntegrityError`` tells the duplicate).
    Only without query logging (DEBUG, ``CaptureQueriesContext``) and execute wrappers: those
    want to see every statement, and take Django's cursor (see ``_insert``).
    """
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    if connection.vendor == "sqlite":
        sql = _sqlite_statement(sql)
    with connection.wrap_database_errors, write_turn(connection):
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            if returning:
                return cursor.fetchone()[0]
            return cursor.lastrowid
        finally:
            cursor.close()


@functools.cache
def _sqlite_statement(sql: str) -> str:
    """``sql`` with SQLite's ? placeholders (what Django's SQLite cursor does per statement)."""
    return sql.replace("%s", "?")


# Field types whose database value is the Python value itself when that is a str or an int
# (or None: NULL). Not JSONField: its None is the JSON text null.
_AS_IS = frozenset(
    {"CharField", "TextField", "PositiveSmallIntegerField", "PositiveIntegerField", "ForeignKey"}
)
_AS_IS_TYPES = (str, int)


@functools.cache
def _as_is_flags(alias: str) -> tuple[bool, ...]:
    """Per field of ``_insert_statement``: whether a str, int or None value needs no conversion."""
    return tuple(field.get_internal_type() in _AS_IS for field in _insert_statement(alias)[1])


@functools.cache
def _insert_statement(alias: str) -> tuple[str, list[Any], bool]:
    """The INSERT of a delivery on ``alias``: SQL, its fields, whether it returns the id."""
    connection = connections[alias]
    meta = WebhookDelivery._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    returning = connection.features.can_return_columns_from_insert
    sql = "INSERT INTO {} ({}) VALUES ({}){}".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
        f" RETURNING {quote(meta.pk.column)}" if returning else "",
    )
    return sql, fields, returning


def _identify_quietly(adapter: Any, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """Topic and ids of a rejected delivery for the inbox list, as far as they can be read."""
    try:
        info = adapter.identify(headers, body)
    except Exception:  # a forged body may be anything; it is rejected either way
        return {}
    return {"topic": info.topic[:100], "delivery_id": info.delivery_id[:200]}


def _store_first_or_duplicate(fields: dict[str, Any]) -> WebhookDelivery:
    """Insert the delivery as the first of its id, or, if that id is taken, as a duplicate.

    No lookup first: the unique constraint decides, which is both the fast path (one INSERT
    for a new delivery) and what makes two identical deliveries arriving at the same moment
    safe (exactly one insert wins; the other becomes the duplicate).
    """
    connection = connections[router.db_for_write(WebhookDelivery)]
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction a failed INSERT must only roll back a savepoint.
            with transaction.atomic():
                delivery = _create(**fields)
        else:
            # The usual webhook request: one INSERT, committed on its own (autocommit), with
            # no BEGIN/COMMIT round trips around it.
            delivery = _create(**fields)
        transaction.on_commit(enqueue_after_receive)
        return delivery
    except IntegrityError:
        first_id = _first_delivery_id(fields["shop"], fields["delivery_id"])
        if first_id is None:
            raise
    return _create(**fields, state=DeliveryState.DUPLICATE, duplicate_of_id=first_id)


# The first delivery of an id, found by the partial unique index webhook_delivery_first_once:
# the query repeats the index's conditions as literals, as its DDL has them, because SQLite
# uses a partial index only for a query that states its conditions literally (the ORM would
# bind them as parameters, and SQLite would walk every delivery of the shop instead).
FIRST_DELIVERY_SQL = (
    'SELECT "id" FROM "connectors_webhookdelivery" WHERE "shop_id" = %s AND "delivery_id" = %s'
    " AND NOT (\"state\" IN ('duplicate', 'rejected')) AND NOT (\"delivery_id\" = '')"
)


def _first_delivery_id(shop: Any, delivery_id: str) -> int | None:
    if not delivery_id:
        return None
    connection = connections[router.db_for_write(WebhookDelivery)]
    with connection.cursor() as cursor:
        cursor.execute(FIRST_DELIVERY_SQL, [shop.pk, delivery_id])
        row = cursor.fetchone()
    return row[0] if row else None


# After a web process has seen (or enqueued) a waiting drain task, it does not ask again for
# this long: one query less per delivery under load. A drain task that finished inside that
# window could miss a delivery committed just after; so the task looks once more this long
# after running dry (see connectors.tasks.process_inbox) before it ends.
ENQUEUE_THROTTLE_SECONDS = 1.0


def _process_inbox_task() -> Any:
    from stammkunde.connectors.tasks import process_inbox

    return process_inbox


enqueue_after_receive = ThrottledEnqueue(
    _process_inbox_task, throttle_seconds=ENQUEUE_THROTTLE_SECONDS
)


@transaction.atomic
def reprocess(delivery: WebhookDelivery, *, by: Any) -> WebhookDelivery:
    """Put a failed delivery back in the queue (after a fix), with a fresh set of attempts."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state != DeliveryState.FAILED:
        raise ValueError(_("Only failed deliveries can be processed again."))
    delivery.error_code = ""
    delivery.save(update_fields=[*reopen(delivery, state=DeliveryState.RECEIVED), "error_code"])
    audit(actor=by, action=AuditAction.CHANGE, obj=delivery, fields=["state"], detail="reprocess")
    transaction.on_commit(enqueue_processing)
    return delivery
