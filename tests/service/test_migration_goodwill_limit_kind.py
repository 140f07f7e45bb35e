"""Migration 0010: the limits set before there were limits per kind stay, for every kind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("service", "0009_desk_settings")]
AFTER = [("service", "0010_goodwill_limit_kind")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_limits_keep_their_maximum_for_every_kind():
    apps = migrate(BEFORE)
    try:
        Limit = apps.get_model("service", "GoodwillLimit")
        Limit.objects.create(role="Service agent", case_type="", maximum=Decimal("20.00"))
        Limit.objects.create(
            role="Service agent", case_type="delivery_problem", maximum=Decimal("15.00")
        )
        Limit.objects.create(role="Team lead", case_type="", maximum=Decimal("200.00"))

        apps = migrate(AFTER)
        Limit = apps.get_model("service", "GoodwillLimit")
        assert sorted(Limit.objects.values_list("role", "case_type", "kind", "maximum")) == [
            ("Service agent", "", "", Decimal("20.00")),
            ("Service agent", "delivery_problem", "", Decimal("15.00")),
            ("Team lead", "", "", Decimal("200.00")),
        ]
        # A limit per kind now stands beside the one for every kind.
        Limit.objects.create(
            role="Service agent", case_type="", kind="refund", maximum=Decimal("5.00")
        )
        assert Limit.objects.filter(role="Service agent", case_type="").count() == 2
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
