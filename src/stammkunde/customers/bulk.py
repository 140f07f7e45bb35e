"""Set-based writes of customers for the bulk paths (the CSV order import, the demo generator).

Thousands of customers per batch: one ``INSERT ... ON CONFLICT DO NOTHING`` for those with an
e-mail (read back by their unique address), the ORM for the few without one, and their
"created" timeline entries in one insert. The search keys are computed as
``Customer.refresh_keys`` does, without the cost of a model instance each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from stammkunde.core.bulk import RowTable, insert_ignore, select_in
from stammkunde.core.keys import name_key, normalize_email
from stammkunde.customers.models import Address, ConsentEvent, Customer, Tag
from stammkunde.timeline.models import ActivityKind, Channel, Direction
from stammkunde.timeline.services import params_to_db, record_activity_values

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
    customers: Sequence[NewCustomer], *, occurred_at: datetime, actor_label: str, source: str
) -> None:
    """Insert the customers (each e-mail not taken yet), set their ``pk`` and record their
    "created" timeline entries (from ``source``, by ``actor_label``, at ``occurred_at``)."""
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
    kind = ActivityKind.CUSTOMER_CREATED.value
    params = params_to_db()({"source": source} if source else {})
    at = connection.ops.adapt_datetimefield_value(occurred_at)
    channel, direction = Channel.INTERNAL.value, Direction.INTERNAL.value
    record_activity_values(
        [
            (
                customer.pk,
                kind,
                at,
                params,
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


# Per table: the model and the columns each generated row holds, in order (the demo generator
# hands out the customer ids itself, see ``shop.services.generated``).
GENERATED_COLUMNS = {
    "customer": (Customer, [
        "id", "email", "first_name", "last_name", "salutation", "title", "form_of_address",
        "language", "phone", "birthday", "company", "vat_id", "preferences", "status",
        "created_at", "updated_at", "last_name_key", "first_name_key", "phone_key"]),
    "address": (Address, [
        "customer_id", "kind", "company", "name", "street", "street2", "postal_code",
        "city", "country", "is_default"]),
    "tag": (Customer.tags.through, ["customer_id", "tag_id"]),
    "consent": (ConsentEvent, [
        "customer_id", "channel", "purpose", "granted", "source", "source_detail",
        "given_at", "recorded_at"]),
}  # fmt: skip


def insert_generated_rows(table: str, rows: Iterable[Sequence]) -> None:
    """Insert generated rows of ``table`` (a key of GENERATED_COLUMNS), each in that column
    order, with their ids handed out by the generator: the demo's customers, addresses, tags
    and consent ledger (in the ledger's rule: grants and withdrawals with their sources)."""
    model, columns = GENERATED_COLUMNS[table]
    RowTable(model, columns).insert(rows)


def tag_ids(names: Iterable[str]) -> dict[str, int]:
    """The id of the tag of each name, creating the tags not known yet."""
    return {name: Tag.objects.get_or_create(name=name)[0].pk for name in names}
