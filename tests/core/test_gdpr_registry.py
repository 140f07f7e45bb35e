"""Every app that holds a customer's data registers its GDPR export and erasure handlers."""

from __future__ import annotations

from datetime import date

from django.apps import apps

from stammkunde.core.gdpr import (
    ErasureRequest,
    RetentionDuty,
    end_of_retention,
    erasure_handlers,
    export_handlers,
)

# Apps that hold a customer's data without pointing at the customer: the connectors' inbox keeps
# raw shop payloads (names, addresses, e-mails of buyers).
HOLD_DATA_WITHOUT_A_KEY = {"connectors"}
# Filled in today by the privacy increment that brings their handlers, and by messaging's own
# (helper outbox, CONTRACTS.md "Trust"); it may only shrink.
NOT_YET_REGISTERED: set[str] = set()


def apps_holding_customer_data() -> set[str]:
    """Our apps with a model that has a foreign key to a customer or a ``customer_id`` column."""
    customer_model = apps.get_model("customers", "Customer")
    labels = set(HOLD_DATA_WITHOUT_A_KEY)
    for model in apps.get_models():
        if not model.__module__.startswith("stammkunde."):
            continue
        for field in model._meta.get_fields():
            points_at_customer = (
                field.concrete and field.is_relation and field.related_model is customer_model
            )
            if points_at_customer or getattr(field, "attname", "") == "customer_id":
                labels.add(model._meta.app_label)
    if any(model is customer_model for model in apps.get_models()):
        labels.add("customers")
    return labels


def test_every_app_with_customer_data_registers_export_and_erasure():
    needed = apps_holding_customer_data() - NOT_YET_REGISTERED
    assert "audit" in needed
    assert needed - set(export_handlers()) == set()
    assert needed - set(erasure_handlers()) == set()


def test_the_list_of_apps_still_to_register_only_shrinks():
    registered = set(export_handlers()) & set(erasure_handlers())
    assert NOT_YET_REGISTERED & registered == set()


def test_retention_runs_to_the_end_of_the_calendar_year():
    assert end_of_retention(date(2025, 3, 14), 8) == date(2033, 12, 31)
    assert end_of_retention(date(2025, 12, 31), 6) == date(2031, 12, 31)


def test_an_erasure_request_names_what_an_app_must_keep():
    duty = RetentionDuty("shop", "orders", "HGB §257", 8, date(2033, 12, 31), 2)
    request = ErasureRequest(customer_id=7, request_id=1, keep=(duty,))
    assert request.keeps("shop", "orders") is duty
    assert request.keeps("timeline", "orders") is None
