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


# Parts of a field name that mark data about a person: contact data, names, what they wrote,
# where they came from, raw payloads.
PERSONAL_FIELD_WORDS = (
    "email",
    "address",
    "first_name",
    "last_name",
    "phone",
    "birthday",
    "street",
    "postal",
    "ip",
    "user_agent",
    "body",
    "raw",
    "payload",
)

# Every model with such a field, and what the GDPR registry does with it. A new model with a
# personal-looking field fails the test below until it is named here: either handled by its
# app's registered export and erasure (the app must be registered), or holding no customer's
# data (with the reason). This is how a forgotten table (service.SenderAcknowledgement kept a
# customer's address after erasure) is caught.
HANDLED = {
    "customers.customer": "exported; pseudonymized",
    "customers.address": "exported; deleted",
    "customers.consentrequest": "exported; kept as the proof of consent",
    "customers.customermerge": "exported; the merged e-mail blanked",
    "shop.order": "exported; stripped past 8 years, kept whole within them",
    "connectors.webhookdelivery": "exported; the body redacted",
    "timeline.activity": "exported; free text blanked (a shop's part: deleted)",
    "messaging.outboundmessage": "exported; blanked but for business letters within 6 years",
    "messaging.suppression": "exported; kept, so an objection stays honoured",
    "service.casemessage": "exported; deleted but for business letters within 6 years",
    "service.inboundmail": "exported; original deleted but for kept letters' originals",
    "service.senderacknowledgement": "exported; deleted",
    "service.webformsubmission": "exported; deleted",
    "audit.auditentry": "exported; kept (accountability)",
}
NOT_CUSTOMER_DATA = {
    "core.storedevent": "domain events carry ids and a case subject; pruned once dispatched",
    "logins.securityevent": "staff login attempts (the staff member's or an attacker's address)",
    "messaging.messagetemplate": "the shop's wording, rendered per customer into the outbox",
    "messaging.templateversion": "the shop's wording, rendered per customer into the outbox",
    "messaging.campaign": "the shop's sender address",
    "messaging.trigger": "the shop's sender address",
    "service.macro": "the shop's reply templates",
    "service.knowledgearticle": "the shop's help articles",
    "service.helpcentersettings": "the shop's own contact data",
    "service.incident": "the shop's notice to everyone affected by an incident",
    "service.servicestandard": "the shop's service standard text",
}


def models_with_personal_fields() -> set[str]:
    """Our models with a field whose name marks data about a person."""
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("stammkunde."):
            continue
        for field in model._meta.concrete_fields:
            parts = field.name.split("_")
            if any(
                word in parts or field.name.startswith(word) or field.name.endswith(word)
                for word in PERSONAL_FIELD_WORDS
            ):
                found.add(model._meta.label_lower)
    return found


def test_every_model_with_personal_fields_is_handled_or_holds_no_customer_data():
    found = models_with_personal_fields()
    assert found - set(HANDLED) - set(NOT_CUSTOMER_DATA) == set(), "name it in HANDLED or why not"
    assert set(HANDLED) | set(NOT_CUSTOMER_DATA) <= found, "a listed model has no such field now"
    registered = set(export_handlers()) & set(erasure_handlers())
    assert {label.split(".")[0] for label in HANDLED} - registered == set()


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
