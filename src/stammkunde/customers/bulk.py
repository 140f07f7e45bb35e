"""Set-based writes of new customers for the bulk paths (the CSV order import).

Thousands of customers per batch: one ``INSERT ... ON CONFLICT DO NOTHING`` for those with an
e-mail (read back by their unique address), the ORM for the few without one, and their
"created" timeline entries in one insert. The search keys are computed as
``Customer.refresh_keys`` does, without the cost of a model instance each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from stammkunde.core.bulk import insert_ignore, select_in
from stammkunde.core.keys import name_key, normalize_email
from stammkunde.customers.models import Customer
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import SUMMARY_MAX, record_activity_values

_KEY_MAX = Customer._meta.get_field("last_name_key").max_length


@dataclass(slots=True)
class NewCustomer:
    """A customer to be inserted; ``pk`` is set once it is."""

    email: str | None
    first_name: str
    last_name: str
    pk: int | None = None


@transaction.atomic
def insert_customers(
    customers: Sequence[NewCustomer], *, occurred_at: datetime, actor_label: str, summary: str
) -> None:
    """Insert the customers (each e-mail not taken yet), set their ``pk`` and record their
    "created" timeline entries (``summary`` by ``actor_label``, at ``occurred_at``)."""
    for customer in customers:
        customer.email = normalize_email(customer.email)
    with_email = [customer for customer in customers if customer.email]
    insert_ignore(
        Customer,
        ("email", "first_name", "last_name", "first_name_key", "last_name_key"),
        [
            (
                c.email,
                c.first_name,
                c.last_name,
                name_key(c.first_name)[:_KEY_MAX],
                name_key(c.last_name)[:_KEY_MAX],
            )
            for c in with_email
        ],
        conflict=("email",),
    )
    ids = dict(
        select_in(
            f"SELECT email, id FROM {Customer._meta.db_table} WHERE email IN ({{in_list}})",
            [],
            [c.email for c in with_email],
        )
    )
    for customer in with_email:
        customer.pk = ids[customer.email]
    without_email = [customer for customer in customers if not customer.email]
    instances = [Customer(first_name=c.first_name, last_name=c.last_name) for c in without_email]
    for instance in instances:
        instance.refresh_keys()
    Customer.objects.bulk_create(instances)
    for customer, instance in zip(without_email, instances, strict=True):
        customer.pk = instance.pk
    # Values ready for the database, the time adapted once: thousands of entries per batch.
    kind, summary = ActivityKind.CUSTOMER_CREATED.value, summary[:SUMMARY_MAX]
    at = connection.ops.adapt_datetimefield_value(occurred_at)
    channel, direction = Channel.INTERNAL.value, Direction.INTERNAL.value
    record_activity_values(
        [
            (
                customer.pk,
                kind,
                at,
                summary,
                channel,
                direction,
                actor_label,
                "",
                None,
                f"customer:{customer.pk}:created",
            )
            for customer in customers
        ]
    )
