"""Migration 0006 turns the frozen lines of existing entries into params, and back; 0008 names
the system's own sources by token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("timeline", "0005_activity_params")]
AFTER = [("timeline", "0007_remove_activity_summary")]
LATEST = [("timeline", "0009_csv_import_file_tokens")]
AT = datetime(2025, 5, 1, 12, tzinfo=UTC)

# (kind, summary, body) as the writers stored them: German (the default) and English lines.
OLD_ROWS = [
    ("order_placed", "Bestellung 108810 über 27,08 €", ""),
    ("order_placed", "Order 2001 placed: 1250.00 EUR", ""),
    ("order_shipped", "Bestellung 2001 versandt (DHL 00340434)", ""),
    ("refund_issued", "Erstattung von 12.50 EUR für Bestellung 2001", ""),
    ("customer_updated", "Kundenkonto in Rösterei gelöscht", ""),
    ("privacy_request", "Anfrage auf Datenauskunft (Rösterei)", "Genannte Bestellungen: 7, 8"),
    ("note", "Mag keine Anrufe vor 10 Uhr", "Mag keine Anrufe vor 10 Uhr\nNur E-Mail."),
    ("call", "Rückruf wegen defekter Mühle", ""),
    ("order_placed", "Bestellung irgendwie angekommen", ""),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_rows_become_params_and_can_go_back():
    apps = migrate(BEFORE)
    customer = apps.get_model("customers", "Customer").objects.create(email="a@example.de")
    Activity = apps.get_model("timeline", "Activity")
    for kind, summary, body in OLD_ROWS:
        Activity.objects.create(
            customer_id=customer.pk, kind=kind, summary=summary, body=body, occurred_at=AT
        )
    try:
        apps = migrate(AFTER)
        Activity = apps.get_model("timeline", "Activity")
        stored = list(Activity.objects.order_by("id").values_list("kind", "params", "body"))
        assert stored == [
            ("order_placed", {"number": "108810", "amount": "27.08", "currency": "EUR"}, ""),
            ("order_placed", {"number": "2001", "amount": "1250.00", "currency": "EUR"}, ""),
            ("order_shipped", {"number": "2001", "carrier": "DHL", "tracking": "00340434"}, ""),
            ("refund_issued", {"number": "2001", "amount": "12.50", "currency": "EUR"}, ""),
            ("shop_account_deleted", {"shop": "Rösterei"}, ""),
            (
                "privacy_request",
                {"request": "data_request", "shop": "Rösterei", "orders": ["7", "8"]},
                "",
            ),
            (
                "note",
                {"text": "Mag keine Anrufe vor 10 Uhr"},
                "Mag keine Anrufe vor 10 Uhr\nNur E-Mail.",
            ),
            ("call", {"text": "Rückruf wegen defekter Mühle"}, ""),
            ("order_placed", {"text": "Bestellung irgendwie angekommen"}, ""),
        ]

        with translation.override("de"):
            apps = migrate(BEFORE)
        Activity = apps.get_model("timeline", "Activity")
        back = list(Activity.objects.order_by("id").values_list("kind", "summary", "body"))
        assert back == [
            ("order_placed", "Bestellung 108810 über 27,08\u00a0€", ""),
            ("order_placed", "Bestellung 2001 über 1.250,00\u00a0€", ""),
            ("order_shipped", "Bestellung 2001 mit DHL versandt, Sendungsnummer 00340434", ""),
            ("refund_issued", "Erstattung von 12,50\u00a0€ für Bestellung 2001", ""),
            ("customer_updated", "Kundenkonto in Rösterei gelöscht", ""),
            (
                "privacy_request",
                "Anfrage auf Datenauskunft (Rösterei)",
                "Genannte Bestellungen: 7, 8",
            ),
            ("note", "Mag keine Anrufe vor 10 Uhr", "Mag keine Anrufe vor 10 Uhr\nNur E-Mail."),
            ("call", "Rückruf wegen defekter Mühle", ""),
            ("order_placed", "Bestellung irgendwie angekommen", ""),
        ]
    finally:
        migrate(LATEST)


def test_system_sources_become_tokens_and_can_go_back():
    apps = migrate(AFTER)
    customer = apps.get_model("customers", "Customer").objects.create(email="b@example.de")
    Activity = apps.get_model("timeline", "Activity")
    for label in (
        "CSV-Import",
        "Das Shopsystem",
        "The customer, directly",
        "Rösterei Süd",
        "CSV-Import kunden.csv",
        "CSV import customers 2026.csv",
    ):
        Activity.objects.create(
            customer_id=customer.pk, kind="note", params={"text": "x"}, actor_label=label,
            occurred_at=AT,
        )  # fmt: skip
    try:
        apps = migrate(LATEST)
        labels = apps.get_model("timeline", "Activity").objects.order_by("id")
        assert list(labels.values_list("actor_label", flat=True)) == [
            "csv_import",
            "consent_source:shop",
            "consent_source:customer",
            "Rösterei Süd",
            "csv_import:kunden.csv",
            "csv_import:customers 2026.csv",
        ]
        with translation.override("de"):
            apps = migrate(AFTER)
        labels = apps.get_model("timeline", "Activity").objects.order_by("id")
        assert list(labels.values_list("actor_label", flat=True)) == [
            "CSV-Import",
            "Das Shopsystem",
            "Der Kunde selbst",
            "Rösterei Süd",
            "CSV-Import kunden.csv",
            "CSV-Import customers 2026.csv",
        ]
    finally:
        migrate(LATEST)
