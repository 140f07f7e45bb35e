"""Migration 0009: the open cases opened before the default resolution target get their
resolution due time from their history at once (pauses while waiting for the customer
included); finished cases, a running pause and a due time already set are left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("service", "0008_inbound_mail_error_code")]
AFTER = [("service", "0009_desk_settings")]
# Monday 30 November 2026, 09:00 in Berlin (CET, UTC+1), when the desk opens.
MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SET_BEFORE = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_open_cases_get_their_resolution_due_time_from_their_history():
    apps = migrate(BEFORE)
    try:
        Team = apps.get_model("service", "Team")
        Case = apps.get_model("service", "Case")
        customer = apps.get_model("customers", "Customer").objects.create(email="e@example.de")
        team = Team.objects.create(
            name="Test",
            slug="migration-test",
            opening_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
            time_zone="Europe/Berlin",
        )
        apps.get_model("service", "ResponseStandard").objects.create(
            team=team, case_type="complaint", resolution_minutes=120
        )

        def case(reference, **fields):
            values = {
                "reference": reference,
                "customer_id": customer.pk,
                "team": team,
                "subject": "Paket",
                "opened_at": MONDAY_9,
                "status": "open",
                **fields,
            }
            return Case.objects.create(**values).pk

        plain = case("VG-1")
        # Waited for the customer Monday 13:00 to Tuesday 13:00 (eight business hours).
        paused = case(
            "VG-2",
            pauses=[["2026-11-30T12:00:00+00:00", "2026-12-01T12:00:00+00:00"]],
        )
        complaint = case("VG-3", case_type="complaint")
        solved = case("VG-4", status="solved")
        waiting = case(
            "VG-5",
            status="waiting_customer",
            waiting_since=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
            pauses=[["2026-11-30T09:00:00+00:00", None]],
        )
        already = case("VG-6", resolution_due_at=SET_BEFORE)
        no_team = case("VG-7", team=None)

        apps = migrate(AFTER)
        due = dict(apps.get_model("service", "Case").objects.values_list("pk", "resolution_due_at"))
        # 24 business hours from Monday 09:00: Wednesday 17:00 in Berlin.
        assert due[plain] == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
        # Eight hours later for the pause: Thursday 17:00.
        assert due[paused] == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
        # The type's own two hours: Monday 11:00.
        assert due[complaint] == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        assert due[solved] is None
        assert due[waiting] is None
        assert due[already] == SET_BEFORE
        assert due[no_team] is None
        settings = apps.get_model("service", "DeskSettings").objects.get()
        assert settings.default_resolution_minutes == 1440
    finally:
        migrate(latest())
