"""core.bulk: the set-based writes of importers and the inbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection, transaction
from django.db.models.signals import post_save

from stammkunde.audit.models import AuditEntry
from stammkunde.core.bulk import insert_ignore, insert_one, insert_rows, update_rows
from stammkunde.customers.models import Customer
from stammkunde.service.models import Case, CaseMessage
from stammkunde.timeline.models import Activity
from stammkunde.timeline.services import params_to_db
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AUDIT_COLUMNS = ("actor_label", "action", "object_type", "object_id", "customer_id", "fields")
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def ready(rows: list[tuple]) -> list[tuple]:
    """The rows as callers hand them over (every column that has no database default): the
    JSON field and the time prepared for the database, and an empty detail."""
    prepare = AuditEntry._meta.get_field("fields").get_db_prep_save
    at = connection.ops.adapt_datetimefield_value(AT)
    return [(*row[:-1], prepare(row[-1], connection), "", at) for row in rows]


def test_insert_rows_stores_each_value_as_given(db):
    rows = [
        ("Import", "import", "shop.order", "1", 7, ["email", "name"]),
        ("", "view", "customers.customer", "", None, []),
        ("Zoë „Ünïcode“ 💡", "change", "x'; DROP TABLE audit_auditentry; --", "3", 2**40, {"a": 1}),
    ]

    insert_rows(AuditEntry, (*AUDIT_COLUMNS, "detail", "at"), ready(rows))

    stored = list(AuditEntry.objects.order_by("id").values_list(*AUDIT_COLUMNS))
    assert stored == rows
    assert set(AuditEntry.objects.values_list("at", flat=True)) == {AT}


def activity_row(customer_id: int, key: str | None, summary: str = "Notiz") -> tuple:
    at = connection.ops.adapt_datetimefield_value(datetime(2026, 3, 1, 9, tzinfo=UTC))
    params = params_to_db()({"text": summary})
    return (customer_id, "note", at, params, "internal", "internal", "", "", None, key)


def test_insert_ignore_skips_rows_whose_key_exists_and_counts_the_others(db):
    from stammkunde.timeline.services import ACTIVITY_ROW_COLUMNS

    customer = CustomerFactory()
    first = [activity_row(customer.pk, "k-1"), activity_row(customer.pk, None)]
    assert insert_ignore(Activity, ACTIVITY_ROW_COLUMNS, first, conflict=("dedupe_key",)) == 2

    again = [
        activity_row(customer.pk, "k-1", "zweimal"),
        activity_row(customer.pk, "k-2"),
        activity_row(customer.pk, None),
    ]
    inserted = insert_ignore(Activity, ACTIVITY_ROW_COLUMNS, again, conflict=("dedupe_key",))

    assert inserted == 2
    assert Activity.objects.filter(customer=customer).count() == 4
    assert Activity.objects.get(dedupe_key="k-1").summary == "Notiz"


def test_update_rows_writes_the_named_fields_of_each_instance_only(db):
    insert_rows(
        AuditEntry,
        (*AUDIT_COLUMNS, "detail", "at"),
        ready([("a", "view", "o", "1", 1, []), ("b", "view", "o", "2", 2, [])]),
    )
    first, second = AuditEntry.objects.order_by("id")
    first.detail, first.fields, first.object_id = "erste", ["email"], "geändert"
    second.detail, second.fields = "", {"k": [1, 2]}

    update_rows([first, second], ["detail", "fields"])

    stored = list(AuditEntry.objects.order_by("id").values_list("detail", "fields", "object_id"))
    assert stored == [("erste", ["email"], "1"), ("", {"k": [1, 2]}, "2")]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite does not enforce varchar lengths"
)
def test_a_value_too_long_for_its_column_is_refused_not_cut(db):
    with pytest.raises(DataError), transaction.atomic():
        insert_rows(
            AuditEntry,
            (*AUDIT_COLUMNS, "detail", "at"),
            ready([("", "view", "x" * 65, "", None, [])]),
        )
    assert not AuditEntry.objects.exists()


def test_values_the_same_for_every_row_are_written_as_quoted_literals(db):
    from stammkunde.core.bulk import _insert

    tricky = "100 % O'Brien; --"
    at = connection.ops.adapt_datetimefield_value(AT)

    inserted = _insert(
        AuditEntry,
        ("action", "object_type", "object_id"),
        [("view", "o", "1"), ("view", "o", "2")],
        "",
        {"detail": tricky, "actor_label": "", "fields": "[]", "at": at},
    )

    assert inserted == 2
    assert list(AuditEntry.objects.values_list("object_id", "detail", "fields", "at")) == [
        ("1", tricky, [], AT),
        ("2", tricky, [], AT),
    ]


def _case(customer, reference: str) -> Case:
    return Case(
        reference=reference,
        case_type="question",
        status="new",
        priority="normal",
        customer=customer,
        channel="email",
        subject="Frage zur Lieferung",
        opened_at=AT,
        inbound_count=1,
        last_inbound_at=AT,
    )


def test_insert_one_writes_the_row_save_writes(db):
    customer = CustomerFactory()
    saved, inserted = _case(customer, "VG-1"), _case(customer, "VG-2")
    saved.save()

    insert_one(inserted)

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    assert inserted.updated_at is not None  # auto_now filled in on the instance, as save() does
    rows = {
        row.pop("reference"): row
        for row in Case.objects.filter(pk__in=[saved.pk, inserted.pk]).values()
    }
    for row in rows.values():
        del row["id"], row["updated_at"]
    assert rows["VG-2"] == rows["VG-1"]
    assert rows["VG-2"]["customer_id"] == customer.pk
    assert Case.objects.get(pk=inserted.pk).last_inbound_at == AT


def test_insert_one_leaves_a_model_with_database_defaults_to_save(db):
    customer = Customer(email="neu@example.de", first_name="Anna", last_name="Schmidt")

    insert_one(customer)

    stored = Customer.objects.get(pk=customer.pk)
    # email_reversed is generated and verified has a database default: save() fills them.
    assert customer.email_reversed == stored.email_reversed == "ed.elpmaxe@uen"
    assert customer.verified == stored.verified


def test_insert_one_goes_through_save_when_something_listens(db):
    case = _case(CustomerFactory(), "VG-3")
    case.save()
    heard: list[int] = []

    def listener(sender, instance, created, **kwargs):
        heard.append(instance.pk)

    post_save.connect(listener, sender=CaseMessage)
    try:
        message = CaseMessage(case=case, direction="inbound", subject="Re", created_at=AT)
        insert_one(message)
    finally:
        post_save.disconnect(listener, sender=CaseMessage)

    assert heard == [message.pk]
    assert CaseMessage.objects.filter(pk=message.pk, case=case).exists()
