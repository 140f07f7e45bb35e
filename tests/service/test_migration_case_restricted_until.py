"""Migration 0013: the cases erasures kept before (of an erased customer, or about orders a
shop's redact detached from the person) are marked restricted until their erasure's end."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("service", "0012_team_shop"),
    ("customers", "0013_privacy_request_shop_scope"),
    ("shop", "0008_order_detached_from"),
]
AFTER = [("service", "0013_case_restricted_until")]
WHEN = datetime(2026, 3, 1, 10, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_cases_kept_by_earlier_erasures_are_marked():
    apps = migrate(BEFORE)
    try:
        Customer = apps.get_model("customers", "Customer")
        Request = apps.get_model("customers", "PrivacyRequest")
        Shop = apps.get_model("shop", "Shop")
        Order = apps.get_model("shop", "Order")
        Case = apps.get_model("service", "Case")
        erased = Customer.objects.create(status="erased")
        john = Customer.objects.create(status="active", email="john@example.com")
        shop = Shop.objects.create(name="A", slug="a", platform="shopify")
        detached = Order.objects.create(
            shop=shop, external_id="1", number="S-1", placed_at=WHEN, detached_from_id=john.pk
        )

        def case(customer, reference):
            return Case.objects.create(
                customer=customer,
                reference=reference,
                case_type="question",
                channel="email",
                subject="x",
                opened_at=WHEN,
                status="solved",
            )

        of_erased, of_shop, of_person = case(erased, "VG-1"), case(john, "VG-2"), case(john, "VG-3")
        of_shop.orders.add(detached)
        common = {"kind": "erasure", "state": "restricted", "channel": "staff"}
        Request.objects.create(customer_id=erased.pk, restricted_until=date(2032, 12, 31), **common)
        Request.objects.create(
            customer_id=john.pk, shop_id=shop.pk, restricted_until=date(2034, 12, 31), **common
        )

        apps = migrate(AFTER)
        Case = apps.get_model("service", "Case")
        marked = dict(Case.objects.values_list("reference", "restricted_until"))
        assert marked == {
            of_erased.reference: date(2032, 12, 31),
            of_shop.reference: date(2034, 12, 31),
            of_person.reference: None,
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
