"""Migration 0005 fills the reversed order number of every existing order and changes nothing
else (issue 15: search by the end of an order number)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("shop", "0004_voucher")]
AFTER = [("shop", "0005_order_number_reversed")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_orders_get_their_reversed_number():
    apps = migrate(BEFORE)
    try:
        shop = apps.get_model("shop", "Shop").objects.create(name="S", slug="s", platform="csv")
        order_model = apps.get_model("shop", "Order")
        placed = datetime(2025, 5, 1, tzinfo=UTC)
        for external_id, number in (("1", "110234"), ("2", "#A-77"), ("3", "")):
            order_model.objects.create(
                shop=shop, external_id=external_id, number=number, placed_at=placed, total=5
            )
        apps = migrate(AFTER)
        rows = apps.get_model("shop", "Order").objects.order_by("external_id")
        assert list(rows.values_list("external_id", "number", "number_reversed", "total")) == [
            ("1", "110234", "432011", 5),
            ("2", "#A-77", "77-A#", 5),
            ("3", "", "", 5),
        ]
    finally:
        migrate(connection_targets_latest())


def connection_targets_latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
